# SPDX-License-Identifier: LGPL-3.0-or-later
"""Loss named precisely: dropping a table names the columns whose values no earlier step
copied, and with the fixture data how many rows hold a value in each."""
from __future__ import annotations

from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.lint import lint_proposals
from ispyb_schema.lint.probe import DataSource

ROOT = Path(__file__).resolve().parents[1]

PARTLY_COPIED = """\
id: partly-copied
title: Copies two columns of the comments, then drops the table
status: draft
authors: [{name: Test Author, affiliation: Diamond}]
created: 2019-07-09
steps:
  - add_column: {table: DataCollection, column: {name: remark, type: varchar(4000), comment: The remark}}
  - sql:
      forward: |
        UPDATE DataCollection AS dc JOIN DataCollectionComment AS c
          ON c.dataCollectionId = dc.dataCollectionId
        SET dc.remark = c.comments
      rollback: UPDATE DataCollection SET remark = NULL
      schema_effect: none
  - drop_table:
      table: DataCollectionComment
      data_loss: {acknowledged: true, reason: the remarks moved to the collection}
"""


@pytest.fixture(scope="module")
def embedded():
    return load_schema(ROOT / "schema")


def _finding(tmp_path, embedded, code, **options) -> str:
    path = tmp_path / "partly-copied.yaml"
    path.write_text(PARTLY_COPIED, encoding="utf-8")
    result = validate([path], embedded)
    assert not result.diagnostics, result.sorted_diagnostics()
    [finding] = [f for f in lint_proposals(result, **options).findings if f.code == code]
    return finding.message


def test_a_partly_copied_table_names_the_columns_never_copied(tmp_path, embedded):
    message = _finding(tmp_path, embedded, "ISP101")
    assert message.startswith("drops table DataCollectionComment: 5 of its 6 columns were never "
                              "copied by an earlier step: dataCollectionCommentId, "
                              "dataCollectionId, personId, createTime, modTime")


def test_with_the_fixture_data_each_column_says_how_many_rows_hold_a_value(
        tmp_path, embedded, mariadb_server):
    source = DataSource(mariadb_server, embedded, [ROOT / "schema" / "fixtures"])
    message = _finding(tmp_path, embedded, "ISP101", data=source)
    assert "dataCollectionCommentId (" in message and " hold a value)" in message
    assert "comments" not in message.split(":", 1)[1].split("(acknowledged")[0]
