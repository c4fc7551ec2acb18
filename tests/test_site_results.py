# SPDX-License-Identifier: LGPL-3.0-or-later
"""The site shows lint findings and the verification record made against its baseline."""
import json
from pathlib import Path

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.plan import fingerprint
from ispyb_schema.changeset.validate import validate
from ispyb_schema.site.results import latest_record, lint_sections, verifications

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"


def record(fp: str, ok: bool) -> dict:
    steps = [{"name": "forward", "ok": True, "seconds": 0.1, "details": {}, "error": None},
             {"name": "data", "ok": ok, "seconds": 0.2,
              "details": {"rows": {"Person": [3, 3]}}, "error": None if ok else "lost a row"}]
    return {"format": "ispyb-schema/verify-result/1", "ok": ok, "started": "2026-11-23T10:00:00",
            "server": {"kind": "local", "version": "10.11"},
            "baseline": {"fingerprint": fp},
            "runs": [{"proposal": "p", "file": "proposals/p.yaml", "ok": ok, "steps": steps},
                     {"proposal": "all", "file": None, "ok": ok, "steps": steps}]}


def test_the_newest_record_for_this_baseline_is_shown(tmp_path):
    baseline = load_schema(ROOT / "schema")
    (tmp_path / "results").mkdir()
    write = lambda name, rec: (tmp_path / "results" / name).write_text(json.dumps(rec))
    write("verify-20260101T000000Z.json", record(fingerprint(baseline), True))
    write("verify-20260102T000000Z.json", record(fingerprint(baseline), False))
    write("verify-20260103T000000Z.json", record("another-baseline", True))
    chosen = latest_record(tmp_path, baseline)
    assert chosen is not None and chosen["ok"] is False
    shown = verifications(chosen)
    assert list(shown) == ["p"]  # the run of all proposals is not a proposal's
    assert not shown["p"].passed and shown["p"].steps[1].detail == "lost a row"
    assert shown["p"].row_counts[0].table == "Person"


def test_no_record_for_this_baseline_means_not_run(tmp_path):
    assert latest_record(tmp_path, load_schema(ROOT / "schema")) is None
    assert verifications(None) == {}


def test_lint_findings_are_per_proposal_with_relative_locations():
    baseline = load_schema(ROOT / "schema")
    result = validate([EXAMPLES / "dc-snapshots.yaml"], baseline)
    sections = lint_sections(result, baseline, "schema", ROOT)
    findings, conflicts = sections["dc-snapshots"]
    drops = [f for f in findings if f.code == "ISP404"]
    assert drops and drops[0].location.startswith("tests/data/proposals/dc-snapshots.yaml:")
    assert conflicts == ()
