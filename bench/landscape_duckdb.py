"""Runs the landscape's SQL on DuckDB over the Parquet that `pillar landscape ingest` wrote, and
compares rows and times with DataFusion's (from `pillar landscape sql --run`).

usage: landscape_duckdb.py STATEMENTS.json DATAFUSION_RUNS.json DATA_DIR [--verify]

STATEMENTS.json is `pillar landscape sql --data DIR`; DATAFUSION_RUNS.json is a JSON list of
`pillar landscape sql --data DIR --run` outputs (one per repetition). With --verify, every
statement's rows must agree (floats to 1e-9 relative) or the script exits 1.
"""
import json
import os
import sys
import time

import duckdb

REPEAT = int(os.environ.get("PILLAR_BENCH_RUNS", "3"))
KEYS = {
    "area_nation": ("area", "nation"),
    "nation_totals": ("nation",),
    "collaboration": ("area", "nation_a", "nation_b"),
    "institutions": ("area", "place"),
}


def rows_of(cursor):
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return a == b


def main():
    statements = json.load(open(sys.argv[1]))
    df_runs = json.load(open(sys.argv[2]))
    data = sys.argv[3].rstrip("/")
    verify = "--verify" in sys.argv
    con = duckdb.connect()
    for table in ("works", "shares", "institutions", "pairs"):
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data}/{table}/*/*.parquet', hive_partitioning = true)"
        )
    total_duck = total_df = 0.0
    bad = False
    print(f"{'statement':<15} {'DuckDB s':>9} {'DataFusion s':>13} {'ratio':>7}  rows")
    for name, sql in statements.items():
        best = None
        for _ in range(REPEAT):
            t = time.perf_counter()
            cur = con.execute(sql)
            rows = rows_of(cur)
            elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
        df_best = min(run[name]["seconds"] for run in df_runs)
        total_duck += best
        total_df += df_best
        df_rows = df_runs[0][name]["rows"]
        agree = ""
        if name not in KEYS:
            # the table the other statements read (area_works): compared through them
            rows = []
        elif verify:
            key = lambda r: tuple(str(r[k]) for k in KEYS[name])
            a = sorted(rows, key=key)
            b = sorted(df_rows, key=key)
            ok = len(a) == len(b) and all(
                all(same(x[k], y.get(k)) for k in x) for x, y in zip(a, b)
            )
            agree = "identical" if ok else "DIFFERENT"
            bad |= not ok
        print(f"{name:<15} {best:>9.3f} {df_best:>13.3f} {df_best / best:>7.2f}  {len(rows)} {agree}")
    print(f"{'all':<15} {total_duck:>9.3f} {total_df:>13.3f} {total_df / total_duck:>7.2f}")
    print(f"duckdb {duckdb.__version__}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
