# SPDX-License-Identifier: LGPL-3.0-or-later
"""insert_parents: one parent row per source row, its new id recorded on the source row —
set-based SQL (a window function, one INSERT … SELECT), checked by validate, proved by verify
(forward, data, rollback) on the embedded baseline and its fixtures."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.plan import render_plan
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli
from ispyb_schema.verify import verify_proposals

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "schema"
HEAD = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: {id}
title: Energy scans get a group and a collection each
status: draft
authors: [{{name: Test, affiliation: ispyb-schema}}]
created: 2026-01-01
steps:
"""
PARENTS = """  - insert_parents:
      from: EnergyScan
      to: DataCollectionGroup
      record: newGroupId
      columns: {sessionId: sessionId, blSampleId: blSampleId, experimentType: "'Energy scan'", startTime: startTime, endTime: endTime}
  - insert_parents:
      from: EnergyScan
      to: DataCollection
      record: newCollectionId
      where: exposureTime IS NOT NULL
      columns: {dataCollectionGroupId: newGroupId, startTime: startTime, exposureTime: exposureTime}
"""


def write(tmp_path: Path, pid: str, steps: str) -> Path:
    path = tmp_path / f"{pid}.yaml"
    path.write_text(HEAD.format(id=pid) + steps)
    return path


@pytest.fixture(scope="module")
def embedded():
    return load_schema(EMBEDDED)


def test_the_sql_is_set_based_and_the_rollback_removes_what_it_added(tmp_path, embedded):
    path = write(tmp_path, "es-parents", PARENTS)
    result = validate([path], embedded)
    assert not result.diagnostics, result.sorted_diagnostics()
    proposal, walk = result.proposals["es-parents"], result.walks["es-parents"]
    scan = walk.model.table("EnergyScan")
    assert str(scan.column("newGroupId").type) == "int(11)"  # DataCollectionGroup's key
    assert str(scan.column("newCollectionId").type) == "int(11) unsigned"
    forward = render_plan(proposal, embedded, walk, "t")
    assert forward.count("ROW_NUMBER() OVER (ORDER BY `energyScanId`)") == 2
    assert "FROM `EnergyScan` WHERE NOT `EnergyScan`.`exposureTime` IS NULL) AS `o`" in forward
    assert ("INSERT INTO `DataCollection` (`dataCollectionId`,`dataCollectionGroupId`,"
            "`startTime`,`exposureTime`) SELECT `EnergyScan`.`newCollectionId`, "
            "`EnergyScan`.`newGroupId`") in " ".join(forward.split())  # laid out on lines
    assert "WHILE" not in forward.upper() and "CURSOR" not in forward.upper()
    rollback = " ".join(render_plan(proposal, embedded, walk, "t", rollback=True).split())
    assert rollback.index("DELETE `DataCollection` FROM `DataCollection` JOIN `EnergyScan` ON "
                          "`EnergyScan`.`newCollectionId` = `DataCollection`.`dataCollectionId`"
                          ) < rollback.index("DROP COLUMN `newCollectionId`") < \
        rollback.index("DELETE `DataCollectionGroup`") < rollback.index("DROP COLUMN `newGroupId`")


@pytest.mark.parametrize("steps, message", [
    ("  - insert_parents: {from: EnergyScan, to: SSXDataCollection, record: x, columns: {}}\n",
     "SSXDataCollection.dataCollectionId is not AUTO_INCREMENT"),
    ("  - insert_parents: {from: EnergyScan, to: DataCollectionGroup, record: sessionId, "
     "columns: {sessionId: sessionId}}\n", "table 'EnergyScan' already has a column 'sessionId'"),
    ("  - insert_parents: {from: EnergyScan, to: DataCollectionGroup, record: g, "
     "columns: {dataCollectionGroupId: energyScanId, sessionId: sessionId}}\n",
     "dataCollectionGroupId is the new id"),
    ("  - insert_parents: {from: EnergyScan, to: DataCollectionGroup, record: g, "
     "columns: {sessionId: sesionId}}\n", "sesionId"),
    ("  - insert_parents: {from: EnergyScan, to: DataCollectionGroup, record: g, columns: {}, "
     "where: 1 = 1, colour: red}\n", "colour"),
])
def test_bad_steps_are_refused_at_their_place(tmp_path, steps, message):
    path = write(tmp_path, "bad-parents", steps)
    out = CliRunner().invoke(cli, ["validate", str(path), "--baseline", str(EMBEDDED)])
    assert out.exit_code == 2, out.output
    assert f"{path}:8:" in out.output and message in out.output, out.output


def test_verify_proves_it_forward_and_back(tmp_path, mariadb_server):
    path = write(tmp_path, "es-parents", PARENTS)
    report = verify_proposals([path], str(EMBEDDED), [EMBEDDED / "fixtures"], mariadb_server)
    run = report.runs[0]
    assert run.ok, [(s.name, s.error) for s in run.steps if not s.ok]
    data = next(s for s in run.steps if s.name == "data")
    messages = [c["message"] for c in data.details["checks"]]
    assert ("step 1 (insert_parents): one DataCollectionGroup row per EnergyScan row with its "
            "sessionId, blSampleId, startTime, endTime: all 4 row(s) arrived") in messages
    assert any(m.startswith("step 2 (insert_parents): one DataCollection row per EnergyScan "
                            "row selected") for m in messages), messages
    rows = data.details["rows"]
    assert rows["DataCollectionGroup"][1] - rows["DataCollectionGroup"][0] == 4
