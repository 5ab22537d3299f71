"""The comparable parts of Pillar's supply analysis in NetworkX: exposure propagation in reverse
topological order and dominators on the OR-only subgraph (sink -> site -> item). Checks equality
with Pillar's output on the small network, then prints the speed ratio on the large one."""
import csv
import json
import sys
import time

import networkx as nx


def load(path):
    rows = lambda name: list(csv.DictReader(open(f"{path}/{name}", newline="")))
    return rows("items.csv"), rows("bom.csv"), rows("sites.csv"), rows("sources.csv")


def analyse(path):
    items, bom, sites, sources = load(path)
    country = {s["id"]: s["country"] for s in sites}
    g = nx.DiGraph()
    g.add_nodes_from(i["id"] for i in items)
    for e in bom:
        g.add_edge(e["parent"], e["child"])
    by_item = {}
    for s in sources:
        by_item.setdefault(s["item"], []).append((s["site"], float(s["share"])))
    start = time.perf_counter()
    # Exposure: sources' countries by share; assembled items mix their children equally.
    exposure = {}
    for node in reversed(list(nx.topological_sort(g))):
        children = list(g.successors(node))
        vec = {}
        if children:
            known = [exposure[c] for c in children if exposure[c]]
            for e in known:
                for c, v in e.items():
                    vec[c] = vec.get(c, 0.0) + v / len(known)
        elif node in by_item:
            total = sum(share for _, share in by_item[node])
            for site, share in by_item[node]:
                c = country[site]
                vec[c] = vec.get(c, 0.0) + share / total
        exposure[node] = vec
    # Dominators on the OR-only subgraph: SINK -> site -> item.
    h = nx.DiGraph()
    for item, srcs in by_item.items():
        for site, _ in srcs:
            h.add_edge("SINK", "site:" + site)
            h.add_edge("site:" + site, "item:" + item)
    idom = nx.immediate_dominators(h, "SINK")
    critical = {}
    for item in by_item:
        d = idom["item:" + item]
        critical[item] = [d[5:]] if d.startswith("site:") else []
    return exposure, critical, time.perf_counter() - start


def main():
    work, small, large = sys.argv[1], sys.argv[2], sys.argv[3]
    exposure, critical, _ = analyse(f"{work}/net-{small}")
    ours = json.load(open(f"{work}/pillar-{small}.json"))["all_items"]
    mismatches = 0
    for item, vec in exposure.items():
        theirs = ours[item]["exposure"]
        if set(theirs) != set(vec) or any(abs(theirs[c] - vec[c]) > 1e-9 for c in vec):
            mismatches += 1
    for item, crit in critical.items():
        if sorted(ours[item]["critical_sites"]) != sorted(crit):
            mismatches += 1
    print(f"small network ({small} items): {len(exposure)} exposures and {len(critical)} dominator sets compared, {mismatches} mismatches")
    if mismatches:
        sys.exit(1)
    _, _, nx_seconds = analyse(f"{work}/net-{large}")
    pillar = json.load(open(f"{work}/pillar-{large}.json"))
    pillar_seconds = pillar["seconds"]
    print(f"large network ({large} items): NetworkX {nx_seconds:.3f} s, Pillar {pillar_seconds:.3f} s (full analysis)")
    print(f"ratio (NetworkX / Pillar): {nx_seconds / pillar_seconds:.0f}x")


main()
