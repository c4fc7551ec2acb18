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


def test_a_cluster_record_shows_its_figures():
    rec = record("x", True)
    rec["server"] = {"kind": "galera", "version": "10.11.19", "nodes": 3,
                     "provider_version": "26.4.23"}
    statement = {"index": 1, "line": 7, "steps": ["step 1"], "statement": "ALTER TABLE `T`",
                 "seconds": 0.3, "rows": 0, "wsrep_mode": "TOI", "write_sets": 1,
                 "write_set_bytes": 672, "write_set_keys": 3,
                 "cluster_write_stall_seconds": 0.31, "cluster_read_stall_seconds": 0.2}
    data = dict(statement, index=2, statement="UPDATE `T`", wsrep_mode="write-set",
                write_set_bytes=102472, cluster_write_stall_seconds=0.05,
                cluster_read_stall_seconds=3.4)
    rec["runs"][0]["steps"][0]["details"] = {"statements": [statement, data]}
    shown = verifications(rec)["p"]
    assert shown.server == "a 3-node Galera cluster (MariaDB 10.11.19, Galera 26.4.23)"
    assert shown.steps[0].detail == (
        "cluster: writes on node 2 stalled up to 0.31 s (statement 1, TOI); reads on node 3 "
        "stalled up to 3.40 s (statement 2, write-set); largest write-set 102,472 bytes in 1 "
        "(statement 2); 1 of 2 statements under TOI")
    assert shown.steps[1].detail == ""  # a step without statements has no figures
