# SPDX-License-Identifier: LGPL-3.0-or-later
"""Plans without a server: deterministic bytes, SQL that sqlglot parses back, folding into one
ALTER per table, renames with their full definition, the upstream script form."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.plan import render_plan
from ispyb_schema.changeset.sqlcheck import dialect
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def baseline():
    return load_schema(ROOT / "schema")


@pytest.fixture(scope="module")
def plans(baseline):
    """Every example's forward, rollback and upstream script."""
    out = {}
    for name in NAMES:
        result = validate([EXAMPLES / f"{name}.yaml"], baseline)
        assert not result.diagnostics, result.sorted_diagnostics()
        args = (result.proposals[name], result.bases[name], result.walks[name], "schema")
        out[name] = {"forward": render_plan(*args), "rollback": render_plan(*args, rollback=True),
                     "upstream": render_plan(*args, upstream=True)}
    return out


def statements(text: str) -> list[exp.Expression]:
    return [s for s in sqlglot.parse(text, read=dialect()) if s is not None]


@pytest.mark.parametrize("name", NAMES)
def test_plan_parses_back_with_sqlglot(plans, name):
    for kind, text in plans[name].items():
        parsed = statements(text)
        assert parsed, f"{name} {kind}: no statement"
        fallback = [s.sql() for s in parsed if isinstance(s, exp.Command)]
        assert not fallback, f"{name} {kind}: not parsed: {fallback}"


@pytest.mark.parametrize("name", NAMES)
def test_plan_is_byte_identical_across_runs(name, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    outputs = []
    for attempt in range(2):
        target = tmp_path / f"{attempt}.sql"
        result = CliRunner().invoke(cli, ["plan", str(EXAMPLES / f"{name}.yaml"), "--format",
                                          "upstream", "-o", str(target)])
        assert result.exit_code == 0, result.output
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_changes_to_one_table_share_one_alter(plans):
    forward = plans["dc-legacy-names"]["forward"]
    alters = re.findall(r"^ALTER TABLE `DataCollection`", forward, re.M)
    # renames + widen + comment + index changes: one ALTER; the comment set on a renamed column
    # is folded into its CHANGE COLUMN (MariaDB refuses the column twice in one statement).
    assert len(alters) == 1
    assert "ADD KEY `DataCollection_sessionId_startTime`" in forward
    assert "CHANGE COLUMN `SESSIONID` `sessionId` int(11) unsigned DEFAULT 0 COMMENT 'Session " \
           "of the collection (duplicates DataCollectionGroup.sessionId)'" in forward
    assert "MODIFY COLUMN `sessionId`" not in forward


def test_rename_keeps_comment_and_nullability(plans, baseline):
    forward = plans["dc-legacy-names"]["forward"]
    comment = baseline.table("DataCollection").column("BLSAMPLEID").comment
    assert comment
    assert f"CHANGE COLUMN `BLSAMPLEID` `blSampleId` int(11) unsigned DEFAULT NULL COMMENT " \
           f"'{comment}'" in forward


def test_data_steps_stay_between_the_schema_changes(plans):
    forward = plans["dc-snapshots"]["forward"]
    add = forward.index("ADD COLUMN `snapshotOrder`")
    insert = forward.index("INSERT INTO `DataCollectionFileAttachment`")
    drop = forward.index("DROP COLUMN `xtalSnapshotFullPath1`")
    assert add < insert < drop
    assert forward.count("ALTER TABLE `DataCollection`") == 1  # the four drops, folded


def test_upstream_format_brackets_the_script(plans):
    text = plans["dc-legacy-names"]["upstream"]
    first, *_, last = [s.sql(dialect="mysql", comments=False) for s in statements(text)]
    name = "'2019_09_12_dc-legacy-names.sql'"
    assert first == ("INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) VALUES "
                     f"({name}, 'ONGOING')")
    assert last == f"UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE scriptName = {name}"


def test_header_names_proposal_and_baseline(plans):
    head = plans["views-drop"]["forward"].splitlines()[:5]
    assert head[0] == "-- ispyb-schema forward script for proposal views-drop"
    assert head[3].startswith("-- planned against: schema (94 tables, model sha256 ")
    assert head[4] == "-- applies after: views"


def test_rollback_undoes_in_reverse_order(plans):
    rollback = plans["dc-snapshots"]["rollback"]
    readd = rollback.index("ADD COLUMN `xtalSnapshotFullPath4`")
    pivot = rollback.index("UPDATE `DataCollection`\nLEFT JOIN")
    delete = rollback.index("DELETE FROM `DataCollectionFileAttachment`")
    drop = rollback.index("DROP COLUMN `snapshotOrder`")
    assert readd < pivot < delete < drop


def test_strings_are_escaped(tmp_path, baseline):
    nasty = "it's -- a \\ test; DROP TABLE x; \n next line"
    path = tmp_path / "strings.yaml"
    path.write_text(f"""id: strings
title: Comments with quotes
status: draft
authors: [{{name: A, affiliation: B}}]
created: 2020-01-01
steps:
  - set_table_comment: {{table: Protein, comment: {nasty!r}}}
  - change_enum: {{table: Protein, column: safetyLevel, add: ["O'RANGE"]}}
""", encoding="utf-8")
    result = validate([path], baseline)
    assert not result.diagnostics, result.sorted_diagnostics()
    text = render_plan(result.proposals["strings"], baseline, result.walks["strings"], "x")
    parsed = statements(text)
    assert [type(s) for s in parsed] == [exp.Alter]  # both changes in one ALTER TABLE
    strings = [lit.this for lit in parsed[0].find_all(exp.Literal) if lit.is_string]
    assert nasty in strings and "O'RANGE" in strings


def test_plan_output_file_and_stdout(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    name = EXAMPLES / "views.yaml"
    printed = CliRunner().invoke(cli, ["plan", str(name)])
    assert printed.exit_code == 0 and printed.stdout.startswith("-- ispyb-schema forward")
    target = tmp_path / "views.sql"
    written = CliRunner().invoke(cli, ["plan", str(name), "-o", str(target)])
    assert written.exit_code == 0 and written.stdout == ""
    assert target.read_text(encoding="utf-8") == printed.stdout


@pytest.mark.parametrize("sql, written", [
    ("INSERT INTO t (a, b) SELECT x, y FROM s JOIN u ON s.i = u.i", {"t"}),
    ("UPDATE a JOIN b ON a.x = b.y SET a.z = b.w WHERE b.k = 1", {"a"}),
    ("UPDATE a SET z = (SELECT MAX(w) FROM b)", {"a"}),
    ("UPDATE a JOIN b ON a.x = b.y SET z = 1", {"a", "b"}),
    ("DELETE a FROM a JOIN b ON a.x = b.x", {"a"}),
    ("DELETE FROM a WHERE x IN (SELECT y FROM b)", {"a"}),
    ("DELETE t FROM a AS t JOIN b AS s ON s.x = t.x", {"a"}),
])
def test_a_raw_statement_writes_only_its_targets(sql, written):
    import sqlglot

    from ispyb_schema.changeset.sqlcheck import written_tables
    from ispyb_schema.importer.dialect import MariaDB

    assert written_tables(sqlglot.parse_one(sql, read=MariaDB)) == written


@pytest.mark.parametrize("target, error", [
    ("DataCollectionGroup", None),
    ("DataCollectionGruop", "unknown table 'DataCollectionGruop'"),
])
def test_a_multi_table_delete_may_name_its_target_by_alias(tmp_path, target, error):
    path = tmp_path / "aliased-delete.yaml"
    path.write_text(f"""\
id: aliased-delete
title: A raw step deleting through an alias
status: draft
authors: [{{name: ispyb-schema contributors, affiliation: ispyb-schema}}]
created: 2026-11-23
steps:
  - sql:
      forward: DELETE g FROM {target} AS g JOIN DataCollection AS d ON d.dataCollectionGroupId = g.dataCollectionGroupId WHERE d.dataCollectionId < 0
      rollback: DELETE FROM DataCollectionGroup WHERE dataCollectionGroupId < 0
      schema_effect: none
      data_loss: {{acknowledged: true, reason: test of the checker only}}
""")
    result = CliRunner().invoke(cli, ["validate", str(path), "--baseline", "schema"])
    if error is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2 and error in result.output


def test_long_statements_are_broken_into_clauses(plans):
    """One join, one assignment, one selected column per line; nothing longer than needed."""
    forward = plans["dc-em-columns"]["forward"]
    update = forward[forward.index("UPDATE `DataCollectionEM`"):]
    update = update[:update.index(";")]
    lines = update.split("\n")
    assert lines[0] == "UPDATE `DataCollectionEM`"
    assert lines[1].startswith("JOIN `DataCollection` ON ")
    assert lines[2].startswith("SET `DataCollectionEM`.`voltage` = ")
    assert all(line.startswith("  `DataCollectionEM`.") for line in lines[3:])


def test_step_comments_are_short(plans):
    """A statement of many steps names them as ranges, with the kinds counted."""
    comments = [line for name in plans for line in plans[name]["forward"].splitlines()
                if line.startswith("-- step")]
    assert all(line.count("step ") <= 2 for line in comments)
    assert "-- steps 1–8 (rename_column ×3, modify_column, set_column_comment, " \
           "set_table_comment, drop_index, add_index)" in \
        plans["dc-legacy-names"]["forward"].splitlines()


def test_alters_say_the_algorithm_lint_predicts(plans, baseline):
    """Each forward ALTER of an InnoDB table carries the predicted ALGORITHM and LOCK (the
    server then refuses rather than silently locking more); lint predicts the same."""
    from ispyb_schema.lint.context import LintContext

    for name in NAMES:
        result = validate([EXAMPLES / f"{name}.yaml"], baseline)
        ctx = LintContext.build(result.walks[name])
        for item in ctx.plan:
            if item.statement.kind != "alter":
                continue
            alter = item.alter
            clause = f"ALGORITHM={alter.prediction.algorithm}, LOCK={alter.prediction.lock};"
            if alter.prediction.uncertain:
                assert "ALGORITHM=" not in item.statement.sql
            else:
                assert item.statement.sql.endswith(clause), item.statement.sql
                assert (item.statement.algorithm, item.statement.lock) == \
                    (alter.prediction.algorithm, alter.prediction.lock)
        # a rollback runs when something went wrong: it is not refused for its locks
        assert "LOCK=" not in plans[name]["rollback"]
