# SPDX-License-Identifier: LGPL-3.0-or-later
"""verify's moved-values check counts exactly the rows a ``copy_rows`` step's ``where``
selects (issue 14: ``where: datFullPath IS NOT NULL`` was reported as "6 row(s) left, 0
arrived" because the rows the where excludes were counted), and still catches a value of a
column dropped later that no copy selects."""
from __future__ import annotations

from pathlib import Path

import pytest

from ispyb_schema.verify import verify_proposals

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = str(ROOT / "schema")
FIXTURES = [ROOT / "schema" / "fixtures"]
PROPOSAL = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: {id}
title: The dat files of data collections move to their own table
status: draft
authors: [{{name: Test Author, affiliation: Test}}]
created: 2026-01-01
steps:
  - create_table:
      table: DataCollectionDat
      charset: latin1
      columns:
        - {{name: dataCollectionId, type: int(11) unsigned, nullable: false}}
        - {{name: datFullPath, type: varchar(255)}}
      indexes:
        - {{name: PRIMARY, kind: PRIMARY, columns: [dataCollectionId]}}
{copies}
  - drop_column: {{table: DataCollection, column: datFullPath}}
"""
COPY = """  - copy_rows:
      from: DataCollection
      to: DataCollectionDat
      columns: {{dataCollectionId: dataCollectionId, datFullPath: datFullPath}}
      where: {where}
"""
CASES = {
    "only-the-dat-rows": ["datFullPath IS NOT NULL"],  # the step: passes
    "two-copies-cover-all": ["datFullPath IS NOT NULL AND dataCollectionId < 20",
                             "datFullPath IS NOT NULL AND dataCollectionId >= 20"],
    "copy-misses-one": ["dataCollectionId < 20"],  # the fixture's one dat file is at id 26
}


@pytest.fixture(scope="module")
def runs(mariadb_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("where")
    paths = []
    for pid, wheres in CASES.items():
        path = folder / f"{pid}.yaml"
        path.write_text(PROPOSAL.format(id=pid, copies="".join(COPY.format(where=w)
                                                               for w in wheres)))
        paths.append(path)
    report = verify_proposals(paths, EMBEDDED, FIXTURES, mariadb_server, together=False)
    return {run.proposal_id: run for run in report.runs}


def data_stage(run):
    return next(step for step in run.steps if step.name == "data")


def test_the_rows_the_where_selects_are_counted(runs):
    run = runs["only-the-dat-rows"]  # (its rollback does not refill datFullPath: not checked)
    assert data_stage(run).ok, data_stage(run).error
    checks = [c for c in data_stage(run).details["checks"] if c["check"] == "moved values"]
    assert any("moved DataCollection(dataCollectionId, datFullPath)" in c["message"] and
               "all 1 row(s) arrived" in c["message"] for c in checks), checks


def test_copies_whose_wheres_together_select_every_value_pass(runs):
    run = runs["two-copies-cover-all"]
    assert data_stage(run).ok, data_stage(run).error


def test_a_value_no_copy_selects_is_still_caught(runs):
    run = runs["copy-misses-one"]
    error = data_stage(run).error
    assert not data_stage(run).ok
    assert ("DataCollection(datFullPath), dropped later: the rows holding a value that no "
            "copy selects (step 2 (copy_rows)): 1 row(s) left, 0 arrived") in error, error
    assert "moved DataCollection(dataCollectionId, datFullPath)" not in error  # its own rows
