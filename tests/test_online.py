# SPDX-License-Identifier: LGPL-3.0-or-later
"""plan --online and its rehearsal: a COPY ALTER of DataCollection done by
pt-online-schema-change on a real server while a writer inserts into the table."""
from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner

from ispyb_schema.cli.main import cli
from ispyb_schema.importer.dialect import MariaDB
from ispyb_schema.online.run import rehearse_files

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "schema"
TYPE_CHANGE = ROOT / "tests" / "data" / "online" / "dc-wavelength-double.yaml"
RENAMES = ROOT / "tests" / "data" / "proposals" / "dc-legacy-names.yaml"
needs_ptosc = pytest.mark.skipif(shutil.which("pt-online-schema-change") is None,
                                 reason="percona-toolkit is not installed")


def plan(*args: str):
    return CliRunner().invoke(cli, ["plan", *args])


def command_lines(text: str) -> list[str]:
    """The pt-osc command of an online plan, unwrapped from its comment lines."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("-- Instead of this ALTER"):
            inside = True
        elif inside and line.startswith("--   "):
            lines.append(line[5:].rstrip("\\").strip())
        elif inside:
            break
    return shlex.split(" ".join(lines))


def test_a_copy_alter_of_a_big_table_becomes_a_pt_osc_command():
    plain = plan(str(TYPE_CHANGE))
    online = plan(str(TYPE_CHANGE), "--online")
    assert online.exit_code == 0, online.output
    command = command_lines(online.output)
    assert command[0] == "pt-online-schema-change" and command[-1] == "D=ispyb,t=DataCollection"
    alter = command[command.index("--alter") + 1]
    # the same clause the plain plan runs, so the server ends where the model says
    assert f"ALTER TABLE `DataCollection` {alter}, ALGORITHM=COPY, LOCK=SHARED;" in plain.output
    assert "--execute" in command and "--charset" in command
    assert "ALGORITHM=COPY, LOCK=SHARED on DataCollection" in online.output
    assert "child tables altered:" in online.output and "DataCollectionFileAttachment" in \
        online.output
    # everything else is SQL that still parses
    sql = "\n".join(line for line in online.output.splitlines() if not line.startswith("--"))
    assert [s for s in sqlglot.parse(sql, read=MariaDB) if s] == []  # only the ALTER it replaces


def test_tables_below_the_threshold_keep_their_alter():
    result = plan(str(TYPE_CHANGE), "--online", "--rows", "DataCollection=200k")
    assert result.exit_code == 0, result.output
    assert "pt-online-schema-change" not in result.output
    assert "No ALTER needs an online variant" in result.output
    big = plan(str(TYPE_CHANGE), "--online", "--rows", "DataCollection=200k", "--min-rows", "1000")
    assert "pt-online-schema-change" in big.output


def test_instant_and_nocopy_alters_of_a_big_table_stay_as_planned():
    plain, online = plan(str(RENAMES)), plan(str(RENAMES), "--online")
    assert online.exit_code == 0
    assert "-- ONLINE" not in online.output
    body = [line for line in plain.output.splitlines() if not line.startswith("--")]
    assert body and all(line in online.output for line in body)


@pytest.mark.parametrize("args, message", [
    (["--online", "--rows", "Nope=5"], "the baseline has no table 'Nope'"),
    (["--online", "--rollback"], "not with --rollback"),
    (["--rows", "DataCollection=5"], "--rows sizes the tables for --online"),
])
def test_bad_online_options(args, message):
    result = plan(str(TYPE_CHANGE), *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@needs_ptosc
@pytest.mark.slow
def test_rehearsal_changes_data_collection_while_writes_go_on(mariadb_server):
    [result] = rehearse_files([TYPE_CHANGE], str(EMBEDDED), [EMBEDDED / "fixtures"],
                              mariadb_server, 5_000)
    assert result.ok, (result.problems, result.differences)
    [online] = result.online
    assert online["exit"] == 0 and online["table"] == "DataCollection"
    assert online["writes"] > 0 and online["failed_writes"] == 0
    assert online["rows_after"] == online["rows_before"] + online["writes"]
    assert any("renamed foreign key DataCollection." in n for n in result.notes)
