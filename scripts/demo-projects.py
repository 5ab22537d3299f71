#!/usr/bin/env python3
"""Writes crates/store/data/demo/projects.json: the fictional demo portfolio (about 60 joint
projects across the AUKUS Pillar 2 workstreams, with readiness histories since 2019, component
integration readiness for a few, milestones and risks). Deterministic; run again after changing
it. Every name is fictional; organisations and agreements are those of the demo registry."""
import json, random, datetime as dt, pathlib

R = random.Random(20261128)
POLICY = {"name": "PILLAR COALITION", "uri": "urn:oid:2.25.279417330856402165463431867420263093914"}
WS = {
    "p2-undersea": (["cta-sensing-cyber", "cta-ai-autonomy"], ["Seabed sensing grid", "Autonomous undersea vehicle endurance", "Low-frequency sonar arrays", "Undersea communications relay", "Mine countermeasure autonomy", "Passive acoustic classification"]),
    "p2-quantum": (["cta-quantum", "cta25-qbid"], ["Quantum inertial navigation", "Cold-atom gravimetry", "Quantum magnetometer for ASW", "Optical clock for PNT", "Quantum-safe key distribution", "Rydberg RF receiver"]),
    "p2-ai-autonomy": (["cta-ai-autonomy", "cta25-aai"], ["Collaborative autonomy for small UAS", "Edge inference on contested networks", "Target recognition under deception", "Assured autonomy test harness", "Human-machine teaming cockpit aid", "Maritime domain awareness fusion"]),
    "p2-cyber": (["cta-sensing-cyber", "cta-network"], ["Cyber resilience of weapon systems", "Automated vulnerability triage", "Secure coalition data fabric", "Firmware provenance checking", "Deception networks", "Cross-domain guard evaluation"]),
    "p2-hypersonics": (["cta-hypersonics", "cta25-shy"], ["Thermal protection ceramics", "Scramjet combustor durability", "Hypersonic glide tracking layer", "Counter-hypersonic interceptor seeker", "High-temperature radome materials", "Hypersonic test range instrumentation"]),
    "p2-ew": (["cta-directed-energy", "cta-futureg"], ["Cognitive electronic attack", "Wideband digital receiver", "Counter-UAS directed energy", "Spectrum situational awareness", "GaN power amplifier modules", "Decoy emitter swarm"]),
    "p2-innovation": (["cta-materials", "cta-microelectronics"], ["Rapid prototyping challenge fund", "Additive manufacturing qualification", "Trusted microelectronics packaging", "Defence start-up accelerator"]),
    "p2-info-sharing": (["cta-network", "cta-computing"], ["Coalition label-aware sharing", "Release authority workflow", "Federated identity for partners", "Cross-nation data catalogue"]),
}
ORGS = {
    "USA": ["us-onr", "us-afrl", "us-darpa", "us-bluereef", "us-cascade"],
    "KOR": ["kr-add", "kr-krit", "kr-hanbit", "kr-donghae", "kr-snu-demo"],
    "AUS": ["au-dstg", "au-southcross"],
    "GBR": ["gb-dstl", "gb-thamesweave"],
    "JPN": ["jp-atla", "jp-kiriko"],
    "CAN": ["ca-drdc", "ca-borealis"],
    "NZL": ["nz-dta"],
}
ASSESSOR = {"USA": "us-secretariat", "KOR": "kr-pm", "AUS": "au-liaison", "GBR": "gb-tech-analyst",
            "JPN": "jp-observer", "CAN": "ca-admin", "NZL": "au-liaison"}
AGREEMENTS = [  # id, parties (expanded), areas (workstreams)
    ("mou-us-kor-dst", {"USA", "KOR"}, {"p2-quantum", "p2-ai-autonomy", "p2-undersea", "p2-cyber", "p2-hypersonics", "p2-ew"}),
    ("pa-quantum-pnt", {"USA", "KOR", "AUS"}, {"p2-quantum"}),
    ("iea-undersea", {"USA", "GBR", "AUS"}, {"p2-undersea", "p2-ai-autonomy"}),
    ("iea-us-kor-ew", {"USA", "KOR"}, {"p2-ew"}),
    ("gsa-demo", {"USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"}, set()),
]
LEADS = ["USA"] * 5 + ["KOR"] * 4 + ["AUS"] * 2 + ["GBR"] * 2 + ["JPN", "CAN", "NZL"]
TODAY = dt.date(2026, 11, 1)


def label(cls, rel=None):
    l = {"policy": POLICY, "classification": cls}
    if rel:
        l["categories"] = [{"type": "PERMISSIVE", "tag_name": "Releasable To",
                            "values": [{"generic": n} for n in rel]}]
    return l


def shares(nations):
    # Integer percentages summing to 100; the lead carries the most.
    weights = [R.randint(3, 6) * (2 if i == 0 else 1) for i in range(len(nations))]
    total = sum(weights)
    pct = [w * 100 // total for w in weights]
    pct[0] += 100 - sum(pct)
    out = []
    for n, p in zip(nations, pct):
        kind = R.choice([0, 0, 10, 20, 30])
        in_kind = p * kind // 100
        out.append((n, p - in_kind, in_kind))
    return out


projects = []
n = 0
for ws, (areas, titles) in WS.items():
    for title in titles:
        for variant in ([""] if ws in ("p2-innovation", "p2-info-sharing") else ["", " II"])[: 1 + (R.random() < 0.45)]:
            n += 1
            lead = R.choice(LEADS)
            others = [x for x in ORGS if x != lead]
            R.shuffle(others)
            nations = [lead] + sorted(others[: R.randint(1, 3)])
            if ws in ("p2-undersea", "p2-quantum", "p2-ai-autonomy") and lead in ("USA", "GBR", "AUS") and R.random() < 0.4:
                nations = [lead] + sorted({"USA", "GBR", "AUS"} - {lead})
            start = dt.date(R.randint(2019, 2024), R.choice([1, 4, 7, 10]), 1)
            # Readiness history: TRL steps up every 8–16 months; some stall in TRL 4–6.
            trl = R.randint(2, 4)
            stall = R.random() < 0.25
            d = start + dt.timedelta(days=R.randint(30, 120))
            assessments, k = [], 0
            while d < TODAY:
                k += 1
                assessments.append({"id": f"trl-{k}", "scale": "TRL", "level": trl, "date": d.isoformat(),
                                    "assessor": ASSESSOR[lead], "signed": True,
                                    "evidence": f"Assessment board {d.year}-{k:02d}, questionnaire on file"})
                if not (stall and 4 <= trl <= 6) and trl < 8 and R.random() < 0.75:
                    trl += 1
                d += dt.timedelta(days=R.randint(240, 480))
            if assessments:
                assessments[-1]["signed"] = R.random() < 0.7
            if trl >= 5 and R.random() < 0.5:
                assessments.append({"id": "mrl-1", "scale": "MRL", "level": max(1, trl - R.randint(1, 2)),
                                    "date": assessments[-1]["date"], "assessor": ASSESSOR[lead], "signed": True,
                                    "evidence": "Manufacturing readiness review"})
            last_trl = assessments[-1]["level"] if assessments else trl
            phase = "6.2" if last_trl <= 3 else "6.3" if last_trl <= 5 else "6.4" if last_trl <= 7 else "6.5"
            milestone = None
            if last_trl >= 6 and R.random() < 0.6:
                milestone = R.choice(["A", "B", "B", "C"])
            elif last_trl >= 4 and R.random() < 0.3:
                milestone = "MDD"
            pset = set(nations)
            agreement = next((a for a, parties, ws_ in AGREEMENTS if pset <= parties and ws in ws_), None) \
                or ("gsa-demo" if R.random() < 0.5 else None)
            ms = []
            for i, name in enumerate(["Requirements review", "Prototype demonstration", "Field trial"]):
                planned = start + dt.timedelta(days=300 * (i + 1) + R.randint(0, 200))
                slip = R.choice([0, 0, 30, 90, 180, 365])
                actual = planned + dt.timedelta(days=slip)
                ms.append({"name": name, "planned": planned.isoformat(),
                           **({"actual": actual.isoformat()} if actual < TODAY else {})})
            risks = [{"title": R.choice(["Single-source supplier", "Test range availability", "Export licence timing",
                                         "Key staff turnover", "Rare-earth magnet supply", "Integration with legacy systems"]),
                      "likelihood": R.randint(1, 5), "consequence": R.randint(2, 5)} for _ in range(R.randint(1, 3))]
            # Labels: who may see it follows who takes part.
            r = R.random()
            if "JPN" in nations:
                lab = label("UNCLASSIFIED") if r < 0.5 else label("CONFIDENTIAL", sorted(nations))
            elif r < 0.4:
                lab = label("UNCLASSIFIED")
            elif r < 0.65:
                lab = label("CONFIDENTIAL", sorted(nations))
            elif set(nations) <= {"USA", "GBR", "AUS"}:
                lab = label("SECRET", ["AUKUS"])
            else:
                lab = label("SECRET", sorted(nations))
            p = {
                "id": f"{ws[3:]}-{n:03d}",
                "title": title + variant,
                "summary": f"Joint {title.lower()} work led by {lead} with {', '.join(nations[1:])}.",
                "workstreams": [ws],
                "areas": areas[: R.randint(1, 2)],
                "lead_nation": lead,
                "lead_organisation": R.choice(ORGS[lead]),
                "budget_activity": phase,
                "pathway": R.choice(["middle-tier", "middle-tier", "major-capability", "software", "urgent"]),
                **({"milestone": milestone} if milestone else {}),
                **({"agreement": agreement} if agreement else {}),
                "start": start.isoformat(),
                **({"transition": {"partner": R.choice(ORGS[lead]), "status": R.choice(["planned", "negotiating", "signed"])}}
                   if last_trl >= 6 else {}),
                "participants": [{"nation": nat, "organisation": R.choice(ORGS[nat]), "role": "lead" if i == 0 else "partner",
                                  "financial": f, "in_kind": k}
                                 for i, (nat, f, k) in enumerate(shares(nations))],
                "milestones": ms,
                "risks": risks,
                "assessments": assessments,
                "label": lab,
            }
            projects.append(p)

# Component integration readiness for a few systems.
for p in projects[::12]:
    comps = [("sensor", "Sensor head", True), ("processor", "Signal processor", True), ("platform", "Host platform", False), ("link", "Data link", False)]
    p["components"] = [{"id": c, "name": nme, "critical": crit} for c, nme, crit in comps]
    p["integrations"] = [{"a": "sensor", "b": "processor", "irl": R.randint(3, 7)},
                         {"a": "processor", "b": "platform", "irl": R.randint(2, 6)},
                         {"a": "processor", "b": "link", "irl": R.randint(4, 8)}]
    base = p["assessments"][-1]["date"] if p["assessments"] else p["start"]
    for i, (c, _, _) in enumerate(comps):
        p["assessments"].append({"id": f"trl-{c}", "scale": "TRL", "component": c, "level": R.randint(4, 8),
                                 "date": base, "assessor": p["assessments"][0]["assessor"] if p["assessments"] else "us-secretariat",
                                 "signed": True, "evidence": "Component assessment"})

# The systems some projects deliver, as end items of the demo supply network (demo-materials):
# their supply exposure fills the readiness view's supply slot.
END_ITEMS = {
    "Autonomous undersea vehicle endurance": "MAV",
    "Low-frequency sonar arrays": "MAV",
    "Quantum inertial navigation": "QINU",
    "Cold-atom gravimetry": "QINU",
    "Thermal protection ceramics": "HTPS",
    "High-temperature radome materials": "HTPS",
}
for p in projects:
    item = END_ITEMS.get(p["title"].removesuffix(" II"))
    if item:
        p["end_items"] = [{"network": "demo-materials", "item": item}]

out = pathlib.Path(__file__).resolve().parent.parent / "crates/store/data/demo/projects.json"
out.write_text(json.dumps({"projects": projects}, indent=1, ensure_ascii=False) + "\n")
print(f"{len(projects)} projects -> {out}")
