# SPDX-License-Identifier: LGPL-3.0-or-later
"""The algorithm predictions against MariaDB: for every ALTER kind the operations produce,
and for every ALTER of the example and project proposals, on the embedded baseline loaded
with its fixture data, the ALTER runs with the predicted ``ALGORITHM=…, LOCK=…`` and the next
cheaper algorithm (and, for a predicted SHARED or EXCLUSIVE lock, the next weaker lock) is
refused with MariaDB's "… is not supported"."""
from __future__ import annotations

from pathlib import Path

import pymysql
import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.operations.indexes import AddIndex
from ispyb_schema.changeset.plan import render_plan
from ispyb_schema.changeset.validate import validate
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.lint.algorithm import ALGORITHMS, KINDS, LOCKS, combine
from ispyb_schema.lint.context import LintContext, Step, plan_items
from ispyb_schema.model import Index, IndexPart
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
PROPOSALS = sorted((ROOT / "tests" / "data" / "proposals").glob("*.yaml")) + \
    sorted((ROOT / "proposals").glob("*.yaml"))
NOT_SUPPORTED = (1845, 1846)  # ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON)
HEAD = """# SPDX-License-Identifier: LGPL-3.0-or-later
id: {id}
title: Algorithm case {id}
status: draft
authors: [{{name: Test, affiliation: Test}}]
created: 2024-01-01
steps:
"""
LOSS = "data_loss: {acknowledged: true, reason: an algorithm test case}"
CASES = {
    "add-column-end": "- add_column: {table: BLSample, column: {name: lintNote, type: varchar(20), "
                      "comment: x}}",
    "add-column-middle": "- add_column: {table: BLSample, column: {name: lintNote, type: int(11), "
                         "comment: x}, after: name}",
    "add-column-not-null": "- add_column: {table: BLSample, column: {name: lintNote, type: int(11), "
                           "nullable: false, default: 0, comment: x}}",
    "add-virtual-column": "- add_column: {table: Position, column: {name: lintX, type: double, "
                          "generated: {expression: posX * 2}, comment: x}}",
    "add-stored-column": "- add_column: {table: Position, column: {name: lintX, type: double, "
                         "generated: {expression: posX * 2, stored: true}, comment: x}}",
    "drop-column": f"- drop_column: {{table: DataCollection, column: xtalSnapshotFullPath4, {LOSS}}}",
    "drop-indexed-column": f"- drop_column: {{table: DataCollection, column: imagePrefix, {LOSS}}}",
    "drop-multi-index-column": f"- drop_column: {{table: Detector, column: detectorModel, {LOSS}}}",
    "drop-primary-key-column": "- create_table: {table: LintKeyed, comment: x, columns: [{name: "
                               "lintId, type: int(10) unsigned, nullable: false, comment: x}, "
                               "{name: note, type: int(11), comment: x}], indexes: [{name: "
                               "PRIMARY, kind: PRIMARY, columns: [lintId]}]}\n"
                               f"- drop_column: {{table: LintKeyed, column: lintId, {LOSS}}}",
    "rename-column": "- rename_column: {table: BLSample, from: code, to: sampleCode}",
    "move-column": "- modify_column: {table: BLSample, column: code, after: name}",
    "change-default": "- modify_column: {table: BLSample, column: code, default: \"'x'\"}",
    "change-comment": "- set_column_comment: {table: BLSample, column: code, comment: New words}",
    "virtual-expression": "- modify_column: {table: Position, column: X, generated: {expression: "
                          "posX * 2}}",
    "extend-varchar": "- modify_column: {table: BLSample, column: code, type: varchar(60)}",
    "extend-indexed-varchar": "- modify_column: {table: BLSample, column: name, type: varchar(100)}",
    "extend-varchar-across-255": "- modify_column: {table: BLSample, column: lastImageURL, "
                                 "type: varchar(300)}",
    "display-width": "- modify_column: {table: Container, column: screenId, type: int(10) unsigned}",
    "enum-append": "- change_enum: {table: Protein, column: safetyLevel, add: [BLUE]}",
    "enum-remove-mapped": "- change_enum: {table: Dewar, column: type, remove: [Parcel], "
                          "map: {Parcel: Toolbox}}",
    "enum-reorder": f"- modify_column: {{table: Protein, column: safetyLevel, values: [RED, GREEN, "
                    f"YELLOW], {LOSS}}}",
    "collation": "- modify_column: {table: BLSample, column: code, collation: latin1_general_ci}",
    "collation-indexed": "- modify_column: {table: BLSample, column: name, "
                         "collation: latin1_general_ci}",
    "make-not-null": "- transform: {table: Container, column: requestedReturn, expression: "
                     "'COALESCE(requestedReturn, 0)', rollback: []}\n"
                     "- modify_column: {table: Container, column: requestedReturn, nullable: false, "
                     "default: 0}",
    "make-timestamp-not-null": "- transform: {table: Shipping, column: "
                               "deliveryAgent_flightCodeTimestamp, expression: "
                               "\"COALESCE(deliveryAgent_flightCodeTimestamp, '2020-01-01')\", "
                               "rollback: []}\n"
                               "- modify_column: {table: Shipping, column: "
                               "deliveryAgent_flightCodeTimestamp, nullable: false, "
                               "default: current_timestamp()}",
    "make-nullable": "- modify_column: {table: Protein, column: hazardGroup, nullable: true}",
    "change-type": "- modify_column: {table: Container, column: capacity, type: bigint(20) unsigned}",
    "add-index": "- add_index: {table: BLSample, name: BLSample_code, columns: [code]}",
    "add-unique-key": "- add_unique_key: {table: DataCollection, name: DataCollection_lint, "
                      "columns: [dataCollectionId, startTime]}",
    "add-primary-key": "- create_table: {table: LintNoKey, comment: x, columns: [{name: lintId, "
                       "type: int(10) unsigned, nullable: false, comment: x}]}\n"
                       "- add_primary_key: {table: LintNoKey, columns: [lintId]}",
    "add-auto-increment-column": "- create_table: {table: LintNoKey, comment: x, columns: "
                                 "[{name: note, type: int(11), comment: x}]}\n"
                                 "- add_column: {table: LintNoKey, column: {name: lintId, type: "
                                 "int(10) unsigned, nullable: false, auto_increment: true, "
                                 "comment: x}, first: true, key: primary}",
    "drop-primary-key": "- create_table: {table: LintKeyed, comment: x, columns: [{name: lintId, "
                        "type: int(10) unsigned, nullable: false, comment: x}], indexes: [{name: "
                        "PRIMARY, kind: PRIMARY, columns: [lintId]}]}\n"
                        "- drop_primary_key: {table: LintKeyed}",
    "replace-primary-key": "- add_index: {table: BLSampleGroup_has_BLSample, name: "
                           "BLSampleGroup_has_BLSample_group, columns: [blSampleGroupId]}\n"
                           "- drop_primary_key: {table: BLSampleGroup_has_BLSample}\n"
                           "- add_primary_key: {table: BLSampleGroup_has_BLSample, "
                           "columns: [blSampleId, blSampleGroupId]}",
    "drop-index": "- drop_index: {table: BLSample, name: BLSample_FKIndex_Status}",
    "add-foreign-key": "- add_foreign_key: {table: Protein, name: Protein_fk_personId, "
                       "columns: [personId], references: {table: Person, columns: [personId]}}",
    "drop-foreign-key": "- drop_foreign_key: {table: Protein, name: protein_fk3}",
    "table-comment": "- set_table_comment: {table: BLSample, comment: New words}",
    "rename-table": "- rename_table: {from: ScreeningRank, to: ScreeningRanking}",
    "add-column-and-index": "- add_column: {table: BLSample, column: {name: lintNote, "
                            "type: int(11), comment: x}}\n"
                            "- add_index: {table: BLSample, name: BLSample_lintNote, "
                            "columns: [lintNote]}",
    "extend-indexed-varchar-and-comment": "- modify_column: {table: BLSample, column: name, "
                                          "type: varchar(100)}\n"
                                          "- set_table_comment: {table: BLSample, comment: x}",
    "rename-column-and-comment": "- rename_column: {table: BLSample, from: code, to: sampleCode}\n"
                                 "- set_table_comment: {table: BLSample, comment: x}",
    "drop-foreign-key-and-comment": "- drop_foreign_key: {table: Protein, name: protein_fk3}\n"
                                    "- set_table_comment: {table: Protein, comment: x}",
    "rebuild-with-generated-columns": "- transform: {table: Position, column: posX, expression: "
                                      "'COALESCE(posX, 0)', rollback: []}\n"
                                      "- modify_column: {table: Position, column: posX, "
                                      "nullable: false, default: 0}",
    "set-append": "- create_table: {table: LintSet, comment: x, columns: [{name: lintSetId, "
                  "type: int(10) unsigned, nullable: false, auto_increment: true, comment: x}, "
                  "{name: flags, type: set, values: [a, b, c], comment: x}], indexes: "
                  "[{name: PRIMARY, kind: PRIMARY, columns: [lintSetId]}]}\n"
                  "- modify_column: {table: LintSet, column: flags, values: [a, b, c, d]}",
}


@pytest.fixture(scope="module")
def embedded():
    return load_schema(ROOT / "schema")


@pytest.fixture(scope="module")
def setup_sql(embedded):
    return schema_ddl(embedded) + fixture_sql(embedded, [ROOT / "schema" / "fixtures"])


def case_context(tmp_path, baseline, name: str) -> LintContext:
    path = tmp_path / f"{name}.yaml"
    steps = "".join(f"  {line}\n" for line in CASES[name].splitlines())
    path.write_text(HEAD.format(id=name) + steps, encoding="utf-8")
    result = validate([path], baseline)
    assert not result.diagnostics, "\n".join(map(str, result.sorted_diagnostics()))
    return LintContext.build(result.walks[name])


def refused(cursor, sql: str) -> str:
    try:
        cursor.execute(sql)
    except pymysql.MySQLError as err:
        assert err.args[0] in NOT_SUPPORTED, f"{sql}\nfailed otherwise: {err}"
        return str(err.args[1])
    raise AssertionError(f"MariaDB accepted what the prediction says it cannot do:\n{sql}")


def check_alter(cursor, alter) -> None:
    """The predicted algorithm and lock succeed; anything cheaper is refused."""
    p = alter.prediction
    base = alter.sql()
    if p.cost.algorithm:
        cheaper = ALGORITHMS[p.cost.algorithm - 1]
        refused(cursor, f"{base}, ALGORITHM={cheaper}, LOCK={p.lock}")
    if p.cost.lock:
        refused(cursor, f"{base}, ALGORITHM={p.algorithm}, LOCK={LOCKS[p.cost.lock - 1]}")
    try:
        cursor.execute(alter.sql(with_algorithm=True))
    except pymysql.MySQLError as err:
        if not (p.uncertain and err.args[0] in NOT_SUPPORTED):
            raise AssertionError(f"{alter.sql(with_algorithm=True)}\nfailed: {err}") from err
        cursor.execute(f"{base}, ALGORITHM=COPY, LOCK=SHARED")


def run_plan(server, setup_sql: str, ctx: LintContext, before: list[str] = (),
             foreign_key_checks: bool = True) -> list:
    """Load a fresh database, run ``before`` scripts, then the plan item by item, checking
    each ALTER's prediction; returns the ALTERs checked."""
    name = server.create_scratch_database("algo")
    try:
        server.load_sql(name, text=setup_sql)
        for script in before:
            server.load_sql(name, text=script)
        conn = server.connect(name)
        checked = []
        with conn, conn.cursor() as cursor:
            cursor.execute(f"SET FOREIGN_KEY_CHECKS = {int(foreign_key_checks)}")
            for item in plan_items(ctx.steps, foreign_key_checks):
                if item.alter is None:
                    cursor.execute(item.sql())
                else:
                    check_alter(cursor, item.alter)
                    checked.append(item.alter)
        return checked
    finally:
        server.drop_scratch_database(name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_prediction_agrees_with_mariadb(mariadb_server, setup_sql, embedded, tmp_path, name):
    ctx = case_context(tmp_path, embedded, name)
    assert run_plan(mariadb_server, setup_sql, ctx), "the case produced no ALTER"


def test_foreign_key_without_checks_is_instant(mariadb_server, setup_sql, embedded, tmp_path):
    ctx = case_context(tmp_path, embedded, "add-foreign-key")
    [alter] = run_plan(mariadb_server, setup_sql, ctx, foreign_key_checks=False)
    assert alter.prediction.kinds == ("add foreign key without checks",)


def test_fulltext_index_from_an_inverse(mariadb_server, setup_sql, embedded):
    """No YAML step adds a FULLTEXT index, but re-adding a dropped one (a rollback) does."""
    op = AddIndex(table="BLSample", index=Index("BLSample_ft", (IndexPart("comments"),),
                                                "FULLTEXT"))
    step = Step(1, op, embedded, op.apply(embedded), tuple(op.render(embedded)))
    ctx = LintContext(None, embedded, step.after, [step])
    [alter] = run_plan(mariadb_server, setup_sql, ctx)
    assert alter.prediction.kinds == ("add fulltext or spatial index",)


def test_cases_cover_every_kind(embedded, tmp_path):
    seen = {"add foreign key without checks", "add fulltext or spatial index"}  # tests above
    for name in CASES:
        seen |= {k for a in case_context(tmp_path, embedded, name).alters
                 for k in a.prediction.kinds}
    assert seen == set(KINDS)


def test_combinations_are_not_just_the_worst_clause():
    assert combine({"add column", "add index"}).algorithm == "INPLACE"
    assert combine({"drop primary key", "add primary key"}).algorithm == "INPLACE"
    assert combine({"extend indexed varchar", "change table comment"}).algorithm == "NOCOPY"
    assert combine({"rename column", "change table comment"}).algorithm == "NOCOPY"
    assert combine({"drop foreign key", "change table comment"}).algorithm == "NOCOPY"
    assert combine({"rename column", "add index"}).algorithm == "NOCOPY"


@pytest.mark.parametrize("path", PROPOSALS, ids=lambda p: p.stem)
def test_prediction_agrees_on_every_proposal(mariadb_server, setup_sql, embedded, path):
    result = validate([path], embedded)
    assert not result.diagnostics, "\n".join(map(str, result.sorted_diagnostics()))
    pid = path.stem
    deps = [render_plan(result.proposals[d], result.bases[d], result.walks[d], "t")
            for d in result.order[:result.order.index(pid)]]
    ctx = LintContext.build(result.walks[pid])
    run_plan(mariadb_server, setup_sql, ctx, deps)
