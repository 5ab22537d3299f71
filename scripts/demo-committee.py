#!/usr/bin/env python3
"""Writes crates/store/data/demo/committee.json: the fictional demo committee structure and six
meetings with agenda items (linked to demo projects), decisions and action items, under labels
that differ per meeting and per item. Run after demo-projects.py when project ids change."""
import json, pathlib

P = {"name": "PILLAR COALITION", "uri": "urn:oid:2.25.279417330856402165463431867420263093914"}
U = {"policy": P, "classification": "UNCLASSIFIED"}


def rel(cls, *nations):
    return {"policy": P, "classification": cls,
            "categories": [{"type": "PERMISSIVE", "tag_name": "Releasable To", "values": [{"generic": n} for n in nations]}]}


committees = [
    {"id": "exec", "name": "Coalition S&T executive committee"},
    {"id": "wg-quantum", "name": "Quantum working group", "parent": "exec"},
    {"id": "wg-undersea", "name": "Undersea working group", "parent": "exec", "label": rel("CONFIDENTIAL", "AUKUS")},
    {"id": "wg-hypersonics", "name": "Hypersonics working group", "parent": "exec"},
    {"id": "wg-release", "name": "Information sharing and release working group", "parent": "exec"},
]

meetings = [
    {"id": "exec-2026-03", "committee": "exec", "title": "Executive committee, spring session", "date": "2026-03-12",
     "place": "Seoul", "attendees": ["us-secretariat", "kr-pm", "au-liaison", "jp-observer"], "label": U,
     "agenda": [{"title": "Portfolio review: stalled projects", "notes": "Three projects have been at TRL 4–6 for more than two years."},
                {"title": "Additive manufacturing qualification", "project": "innovation-049", "notes": "Qualification plan agreed in principle.",
                 "label": rel("CONFIDENTIAL", "USA", "KOR", "JPN")},
                {"title": "Seabed sensing grid", "project": "undersea-001", "notes": "Sea trial results discussed.", "label": rel("SECRET", "AUKUS")}],
     "decisions": [{"text": "Each working group reports its stalled projects with a recovery plan at the next session.",
                    "rationale": "The valley of death is the portfolio's main risk."},
                   {"text": "Proceed to the sea trial extension for the seabed sensing grid.", "project": "undersea-001",
                    "rationale": "Detection results met the threshold.", "label": rel("SECRET", "AUKUS")}],
     "actions": [{"id": "a1", "text": "Collect recovery plans for stalled projects", "owner": "us-secretariat", "due": "2026-05-01", "status": "done"},
                 {"id": "a2", "text": "Draft the qualification test matrix", "owner": "kr-pm", "due": "2026-06-30", "status": "open",
                  "label": rel("CONFIDENTIAL", "USA", "KOR", "JPN")}]},
    {"id": "wgq-2026-04", "committee": "wg-quantum", "title": "Quantum working group 7", "date": "2026-04-22",
     "place": "Canberra (virtual)", "attendees": ["us-secretariat", "kr-pm", "au-liaison"], "label": rel("CONFIDENTIAL", "USA", "KOR", "AUS"),
     "agenda": [{"title": "Cold-atom gravimetry field data", "project": "quantum-009", "label": U},
                {"title": "Quantum inertial navigation arrangement", "notes": "Project arrangement scope and annex."}],
     "decisions": [{"text": "Extend the gravimetry campaign to a second site.", "project": "quantum-009", "rationale": "Drift too high at the first site.", "label": U}],
     "actions": [{"id": "a1", "text": "Propose the second site", "owner": "au-liaison", "due": "2026-06-01", "status": "open"},
                 {"id": "a2", "text": "Circulate the PNT annex draft", "owner": "us-secretariat", "due": "2026-05-15", "status": "done"}]},
    {"id": "wgu-2026-06", "committee": "wg-undersea", "title": "Undersea working group 4", "date": "2026-06-10",
     "place": "Portsmouth", "attendees": ["us-secretariat", "au-liaison"], "label": rel("SECRET", "AUKUS"),
     "agenda": [{"title": "Undersea communications relay", "project": "undersea-005"}],
     "decisions": [{"text": "Align the relay's waveform with the seabed grid.", "rationale": "One gateway instead of two."}],
     "actions": [{"id": "a1", "text": "Waveform interface note", "owner": "au-liaison", "due": "2026-08-31", "status": "open"}]},
    {"id": "wgh-2026-07", "committee": "wg-hypersonics", "title": "Hypersonics working group 3", "date": "2026-07-08",
     "place": "Tokyo", "attendees": ["us-secretariat", "jp-observer"], "label": U,
     "agenda": [{"title": "High-temperature radome materials", "project": "hypersonics-037"},
                {"title": "Scramjet combustor durability", "project": "hypersonics-033"}],
     "decisions": [{"text": "Share radome coupon test data with ATLA.", "project": "hypersonics-037", "rationale": "Japan hosts the arc-jet facility."}],
     "actions": [{"id": "a1", "text": "Prepare the coupon data package", "owner": "us-secretariat", "due": "2026-09-15", "status": "open"},
                 {"id": "a2", "text": "Book arc-jet time", "owner": "jp-observer", "due": "2026-10-01", "status": "open"}]},
    {"id": "wgr-2026-09", "committee": "wg-release", "title": "Release working group 2", "date": "2026-09-17",
     "place": "Ottawa (virtual)", "attendees": ["us-secretariat", "kr-pm", "ca-admin"], "label": U,
     "agenda": [{"title": "Release authority workflow", "project": "info-sharing-053"},
                {"title": "ROK–US label equivalences", "notes": "Mapping of 대외비 and CUI reviewed.", "label": rel("CONFIDENTIAL", "USA", "KOR")}],
     "decisions": [{"text": "Adopt the coalition SPIF's equivalence table for the demo period.", "rationale": "Both national policies map cleanly."}],
     "actions": [{"id": "a1", "text": "Publish the equivalence table", "owner": "ca-admin", "due": "2026-10-15", "status": "open"},
                 {"id": "a2", "text": "Check Korean markings on all pages", "owner": "kr-pm", "due": "2026-11-30", "status": "open"}]},
    {"id": "exec-2026-11", "committee": "exec", "title": "Executive committee, autumn session", "date": "2026-11-05",
     "place": "Washington, D.C.", "attendees": ["us-secretariat", "us-release", "kr-pm", "au-liaison", "jp-observer"], "label": U,
     "agenda": [{"title": "Pillar 2 readiness view", "notes": "Workstream by nation matrix reviewed."},
                {"title": "GaN power amplifier modules", "project": "ew-045", "label": rel("CONFIDENTIAL", "KOR", "GBR", "NZL")},
                {"title": "Electronic warfare annex", "label": rel("SECRET", "USA", "KOR")}],
     "decisions": [{"text": "Hold the next session in Seoul in March.", "rationale": "Rotation."},
                   {"text": "Open negotiations on the EW annex extension.", "rationale": "Current annex has no end date for testing.",
                    "label": rel("SECRET", "USA", "KOR")}],
     "actions": [{"id": "a1", "text": "Circulate the autumn minutes", "owner": "us-secretariat", "due": "2026-11-20", "status": "open"},
                 {"id": "a2", "text": "EW annex negotiating mandate", "owner": "kr-pm", "due": "2026-12-15", "status": "open",
                  "label": rel("SECRET", "USA", "KOR")}]},
]

out = pathlib.Path(__file__).resolve().parent.parent / "crates/store/data/demo/committee.json"
out.write_text(json.dumps({"committees": committees, "meetings": meetings}, indent=1, ensure_ascii=False) + "\n")
print(f"{len(meetings)} meetings -> {out}")
