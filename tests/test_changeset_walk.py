# SPDX-License-Identifier: LGPL-3.0-or-later
"""The one walk: per step, its primitives with their models and SQL; the rollback walk
expanded the same way (a compound rollback renders and restores); the walker walks each
(proposal, model) once; the script object's statements know their lines; operations describe
themselves."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.operations import Clause, Operation
from ispyb_schema.changeset.plan import plan_script, render_plan
from ispyb_schema.changeset.validate import validate
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.harness.server import scratch_database
from ispyb_schema.importer.live import import_connection
from ispyb_schema.lint.algorithm import combine
from ispyb_schema.model import diff_schemas
from ispyb_schema.render.ddl import schema_ddl
from ispyb_schema.site.collect import renames

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
HEAD = """\
id: {id}
title: A case
status: draft
authors: [{{name: A B, affiliation: C}}]
created: 2026-01-01
steps:
"""
EM_TABLE = """\
  - create_table:
      table: DataCollectionEM
      comment: EM settings
      charset: latin1
      columns:
        - {name: dataCollectionId, type: int(11) unsigned, nullable: false, comment: The collection}
      indexes:
        - {name: PRIMARY, kind: PRIMARY, columns: [dataCollectionId]}
  - copy_rows:
      from: DataCollection
      to: DataCollectionEM
      columns: {dataCollectionId: dataCollectionId}
"""
MOVE_BACK = EM_TABLE + """\
  - move_columns:
      from: DataCollection
      to: DataCollectionEM
      columns: [c1lens, c2lens, c3lens]
      join: {dataCollectionId: dataCollectionId}
      rollback:
        - move_columns:
            from: DataCollectionEM
            to: DataCollection
            columns: [c1lens, c2lens, c3lens]
            join: {dataCollectionId: dataCollectionId}
            after: c3aperture
"""
RAW_RENAME = """\
  - sql:
      forward: ALTER TABLE DataCollection CHANGE COLUMN CRYSTALCLASS crystalClass varchar(20)
      rollback: ALTER TABLE DataCollection CHANGE COLUMN crystalClass CRYSTALCLASS varchar(20)
      effect:
        - rename_column: {table: DataCollection, from: CRYSTALCLASS, to: crystalClass}
  - rename_table: {from: ScreeningOutputLattice, to: ScreeningLattice}
"""


@pytest.fixture(scope="module")
def embedded():
    return load_schema(ROOT / "schema")


def validated(tmp_path, baseline, name: str, steps: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEAD.format(id=name) + steps, encoding="utf-8")
    result = validate([path], baseline)
    assert not result.diagnostics, "\n".join(map(str, result.sorted_diagnostics()))
    return result


def test_a_compound_rollback_is_expanded_like_a_forward_step(tmp_path, embedded):
    """A move_columns whose rollback is another move_columns: the rollback walk expands it
    (it used to render nothing and fail the rollback check with a misleading E404)."""
    walk = validated(tmp_path, embedded, "move-back", MOVE_BACK).walks["move-back"]
    text = plan_script(walk, "t", rollback=True).text
    assert "ADD COLUMN `c1lens` float DEFAULT NULL" in text and "AFTER `c3aperture`" in text
    assert "DROP COLUMN `c3lens`" in text
    [undo_move] = [r for r in walk.rollback if r.label == "undo step 3 (move_columns)"]
    assert [p.kind for p in undo_move.primitives] == ["add_column"] * 3 + \
        ["fill_foreign_key"] + ["drop_column"] * 3
    assert not diff_schemas(embedded, walk.rollback[-1].after)


def test_a_compound_rollback_restores_schema_and_values(mariadb_server, tmp_path, embedded):
    walk = validated(tmp_path, embedded, "move-back", MOVE_BACK).walks["move-back"]
    values = "SELECT dataCollectionId, c1lens, c2lens, c3lens FROM DataCollection ORDER BY 1"
    with scratch_database(mariadb_server, "walk") as name:
        mariadb_server.load_sql(name, text=schema_ddl(embedded) + fixture_sql(
            embedded, [ROOT / "schema" / "fixtures"]))
        conn = mariadb_server.connect(name)
        try:
            with conn.cursor() as cur:
                cur.execute("UPDATE DataCollection SET c1lens = dataCollectionId / 2, "
                            "c3lens = 1.5 WHERE dataCollectionId % 2 = 0")
                conn.commit()
                cur.execute(values)
                before = cur.fetchall()
            assert any(row[1] is not None for row in before)
            for rollback in (False, True):
                mariadb_server.load_sql(name, text=plan_script(walk, "t", rollback).text)
            with conn.cursor() as cur:
                cur.execute(values)
                assert cur.fetchall() == before
            diff = diff_schemas(embedded, import_connection(conn, name))
            assert not [c for c in diff.changes() if c not in diff.view_changes]
        finally:
            conn.close()


@pytest.mark.parametrize("name", NAMES)
def test_each_step_records_its_primitives_with_their_models(embedded, name):
    result = validate([EXAMPLES / f"{name}.yaml"], embedded)
    walk = result.walks[name]
    model = walk.base
    for number, record in enumerate(walk.steps, start=1):
        assert (record.number, record.before) == (number, model)
        assert record.label == f"step {number} ({record.op.key})"
        inner = model
        for prim in record.primitives:
            assert prim.source is record.op and prim.label == record.label
            if not prim.effect:
                assert prim.before is inner and prim.after == prim.op.apply(prim.before)
                assert list(prim.pieces) == prim.op.render(prim.before)
                inner = prim.after
        assert record.after is inner
        model = record.after
    assert walk.model is model
    assert walk.pieces == [(p.label, piece) for p in walk.primitives for piece in p.pieces]
    back = walk.base if walk.rollback is None else walk.rollback[-1].after
    assert not diff_schemas(walk.base, back)


@pytest.mark.parametrize("name", NAMES)
def test_each_primitive_records_its_own_inverse_and_undo_walks_like_the_rollback(embedded,
                                                                               name):
    """A step without its own rollback: is undone by its primitives' inverses, last first;
    Walker.undo (what apply --recover --undo walks) over the whole walk gives the rollback's
    statements."""
    result = validate([EXAMPLES / f"{name}.yaml"], embedded)
    walk = result.walks[name]
    for record in walk.steps:
        prims = [p for p in record.primitives if not p.effect]
        if record.op.rollback is not None:
            assert all(p.inverse is None for p in prims)
        elif walk.rollback is not None:
            assert record.undo == tuple(op for p in reversed(prims) for op in p.inverse)
    if walk.rollback is None:
        return
    back, problems = result.walker.undo(list(walk.steps), walk.model)
    assert not problems
    assert [p.pieces for r in back for p in r.primitives] == [
        p.pieces for r in walk.rollback for p in r.primitives]


def test_the_walker_walks_each_proposal_once_per_model(embedded):
    paths = [EXAMPLES / "dc-em-columns.yaml", EXAMPLES / "raw-and-rows.yaml"]
    result = validate(paths, embedded)
    first = result.walks["dc-em-columns"]
    assert result.over("dc-em-columns", result.bases["dc-em-columns"]) is first
    after_other = result.over("dc-em-columns", result.walks["raw-and-rows"].model)
    assert after_other is not first and after_other.base is result.walks["raw-and-rows"].model
    assert result.over("dc-em-columns", result.walks["raw-and-rows"].model) is after_other


def test_the_walker_is_made_and_called_in_one_place():
    """Walker() is made only as Validation's walker, its over() called only by
    Validation.over, and the walk only by Walker.over: every stage (verify's unbatched
    variant too) walks through the one walker."""
    made, called, walked = [], [], []
    for path in sorted((ROOT / "tooling" / "ispyb_schema").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name == "Walker" or name == "field" and any(
                    getattr(k.value, "id", None) == "Walker" for k in node.keywords):
                made.append(where)
            if name == "_walk":  # the walk itself: only Walker.over calls it
                walked.append(where)
            if name == "over" and isinstance(func, ast.Attribute) and \
                    getattr(func.value, "attr", getattr(func.value, "id", None)) == "walker":
                called.append(where)
    assert [m.split(":")[0] for m in made] == ["tooling/ispyb_schema/changeset/validate.py"]
    assert [c.split(":")[0] for c in called] == ["tooling/ispyb_schema/changeset/validate.py"]
    assert [w.split(":")[0] for w in walked] == ["tooling/ispyb_schema/changeset/engine.py"]


def test_verify_walks_the_unbatched_variant_through_the_validation(embedded):
    path = ROOT / "tests" / "data" / "batch" / "batched-steps.yaml"
    result = validate([path], embedded)
    walk = result.walks["batched-steps"]
    plain = result.over("batched-steps", walk.base, batched=False)
    assert plain is result.over("batched-steps", walk.base, batched=False)
    assert plain.proposal is not walk.proposal and plain.model == walk.model
    assert not any(getattr(op, "batch", None) for op in plain.proposal.steps)
    assert any(getattr(op, "batch", None) for op in walk.proposal.steps)


@pytest.mark.parametrize("name", NAMES)
def test_script_statements_know_their_lines_steps_and_kinds(embedded, name):
    result = validate([EXAMPLES / f"{name}.yaml"], embedded)
    walk = result.walks[name]
    for rollback in (False, True):
        script = plan_script(walk, "t", rollback=rollback, upstream=True)
        assert script.text == render_plan(walk.proposal, walk.base, walk, "t", rollback, True)
        lines = script.text.split("\n")
        kinds = [s.kind for s in script.statements]
        assert kinds[0] == kinds[-1] == "status" and "status" not in kinds[1:-1]
        for index, statement in enumerate(script.statements, start=1):
            assert statement.index == index
            assert lines[statement.line - 1:statement.line - 1 + statement.sql.count("\n") + 1] \
                == statement.sql.split("\n")
            if statement.kind == "status":
                continue
            assert statement.labels == tuple(dict.fromkeys(p.label for p in statement.steps))
            assert all(piece in prim.pieces for piece, prim in statement.parts)
            assert statement.data == any(getattr(p, "data", False) for p, _ in statement.parts)


def test_a_compound_operation_refuses_to_apply_or_render_itself(tmp_path, embedded):
    walk = validated(tmp_path, embedded, "move-back", MOVE_BACK).walks["move-back"]
    move = walk.steps[2].op
    assert move.compound
    with pytest.raises(TypeError, match="compound"):
        move.apply(walk.steps[2].before)
    with pytest.raises(TypeError, match="compound"):
        move.render(walk.steps[2].before)


def test_renames_are_found_in_every_step_kind(tmp_path, embedded):
    """A rename declared as a raw SQL step's effect counts, like a rename step."""
    walk = validated(tmp_path, embedded, "raw-rename", RAW_RENAME).walks["raw-rename"]
    tables, columns = renames(walk)
    assert [(t.old, t.new) for t in tables] == [("ScreeningOutputLattice", "ScreeningLattice")]
    assert [(c.table, c.old, c.new) for c in columns] == \
        [("DataCollection", "CRYSTALCLASS", "crystalClass")]


def test_operations_classify_their_own_alter_clauses(embedded):
    """Every operation answers alter_kinds, one set per clause it renders; one that does not
    know better is taken for a table copy."""
    for name in NAMES:
        walk = validate([EXAMPLES / f"{name}.yaml"], embedded).walks[name]
        for prim in walk.primitives:
            if prim.effect:
                continue
            clauses = [p for p in prim.pieces if type(p).__name__ == "Clause"]
            assert len(prim.op.alter_kinds(prim.before)) == len(clauses), prim.label

    @dataclass(frozen=True, kw_only=True)
    class Unknown(Operation):
        def render(self, model):
            return [Clause("DataCollection", "FORCE")]

    assert combine(*Unknown().alter_kinds(embedded)).algorithm == "COPY"
