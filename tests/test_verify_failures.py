# SPDX-License-Identifier: LGPL-3.0-or-later
"""Each failure mode of ``verify`` is caught and reported precisely, on a real MariaDB: a
migration that loses values, SQL whose schema differs from the model, a rollback that does not
restore the data, a statement the server refuses. Also: scratch databases are dropped after a
failure and an interruption, and kept only when asked.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ispyb_schema.verify import verify_proposals
from ispyb_schema.verify.progress import Progress
from ispyb_schema.verify.scratch import PREFIX

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "verify"
EMBEDDED = str(ROOT / "schema")
FIXTURES = [ROOT / "schema" / "fixtures"]
STAGES = ["load", "baseline", "snapshot", "forward", "schema", "data", "rollback",
          "rollback schema", "rollback data"]


def scratch_databases(server) -> set[str]:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (f"{PREFIX}%",))
        return {row[0] for row in cur.fetchall()}


@pytest.fixture(scope="module")
def runs(mariadb_server):
    """The four failing proposals, verified in one call (each in its own run)."""
    names = ["loses-value", "schema-differs", "view-differs", "rollback-loses", "sql-fails"]
    report = verify_proposals([CASES / f"{n}.yaml" for n in names], EMBEDDED, FIXTURES,
                              mariadb_server, together=False)
    assert not report.ok
    return {run.proposal_id: run for run in report.runs}


def failed(run) -> dict:
    return {step.name: step for step in run.steps if not step.ok}


def test_a_migration_losing_values_fails_the_data_stage(runs):
    run = runs["loses-value"]
    assert [s.name for s in run.steps] == STAGES
    assert set(failed(run)) == {"data", "rollback data"}
    assert failed(run)["data"].error.splitlines() == [
        "step 2 (copy_rows): Protein(description), dropped later: the rows holding a value "
        "that no copy selects (step 2 (copy_rows)): 2 row(s) left, 0 arrived; first differing "
        "row: 'Apo and with inhibitor LIG-042; soaks at 10 mM' left and did not arrive",
        "assertion every_description_kept failed: 3 row(s) before, 1 after",
    ]


def test_sql_whose_schema_differs_from_the_model_fails_the_schema_stage(runs):
    run = runs["schema-differs"]
    assert set(failed(run)) == {"schema"}
    step = failed(run)["schema"]
    assert step.details["differences"] == [
        "~ Detector.column detectorVendorCode.type: varchar(16) -> varchar(32)"]
    assert step.error == ("the server's schema differs from the proposal's model:\n"
                          "~ Detector.column detectorVendorCode.type: varchar(16) -> "
                          "varchar(32)")


def test_a_view_is_compared_by_its_columns_not_its_text(runs):
    run = runs["view-differs"]
    assert set(failed(run)) == {"schema"}
    assert failed(run)["schema"].details["differences"] == [
        "~ view v_Detector columns: ['detectorId', 'detectorType'] -> ['detectorId', 'kind']"]


def test_a_rollback_that_does_not_restore_the_data_fails_rollback_data(runs):
    run = runs["rollback-loses"]
    assert [s.name for s in run.steps] == STAGES
    assert set(failed(run)) == {"rollback data"}
    assert failed(run)["rollback data"].error == (
        "EnergyScan: rows differ after the rollback in column(s) exposureTime "
        "(written by step 1 (transform))")


def test_a_failing_statement_stops_the_run_and_says_where(runs):
    run = runs["sql-fails"]
    assert [s.name for s in run.steps] == STAGES[:4]
    step = failed(run)["forward"]
    assert step.error == (
        "statement 2 of 3 (line 10, step 2 (modify_column)) failed: ERROR 1265: Data "
        "truncated for column 'description' at row 2\n"
        "  ALTER TABLE `Protein` MODIFY COLUMN `description` text NOT NULL COMMENT "
        "'Free-text description', ALGORITHM=INPLACE, LOCK=NONE;")
    assert step.details["failed"]["errno"] == 1265
    assert (step.details["failed"]["index"], step.details["failed"]["line"]) == (2, 10)
    assert step.details["not_run"] == 1
    assert [s["index"] for s in step.details["statements"]] == [1]


def test_scratch_databases_are_dropped_after_failures(runs, mariadb_server):
    assert all(run.database is None for run in runs.values())
    assert not scratch_databases(mariadb_server)


class Interrupt(Progress):
    def stage_started(self, run, name):
        if name == "forward":
            raise KeyboardInterrupt


def test_an_interruption_drops_the_scratch_database(mariadb_server):
    with pytest.raises(KeyboardInterrupt):
        verify_proposals([CASES / "rollback-loses.yaml"], EMBEDDED, FIXTURES, mariadb_server,
                         progress=Interrupt())
    assert not scratch_databases(mariadb_server)


def test_keep_leaves_the_database_for_inspection(mariadb_server):
    report = verify_proposals([CASES / "schema-differs.yaml"], EMBEDDED, [], mariadb_server,
                              keep=True)
    kept = report.runs[0].database
    try:
        assert kept in scratch_databases(mariadb_server)
        with mariadb_server.connect(kept) as conn, conn.cursor() as cur:
            cur.execute("SHOW COLUMNS FROM Detector LIKE 'detectorVendorCode'")
            assert cur.fetchone() is None  # the rollback ran; the database is as it ended
    finally:
        with mariadb_server.connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{kept}`")


def test_proposals_that_do_not_apply_together_fail_the_run_of_all(mariadb_server):
    report = verify_proposals([CASES / "clash-a.yaml", CASES / "clash-b.yaml"], EMBEDDED, [],
                              mariadb_server)
    assert [(r.proposal_id, r.ok) for r in report.runs] == [
        ("clash-a", True), ("clash-b", True), ("all", False)]
    step = report.runs[-1].steps[0]
    assert (step.name, step.ok) == ("plan", False)
    assert step.error.startswith("clash-b after clash-a: ")
    assert "table 'Detector' already has a column 'serialNumber'" in step.error
