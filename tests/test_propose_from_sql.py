# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema propose --from-sql`` on upstream's own update scripts: every script of
``history/*/updates/`` converts, and the plans of an interval's proposals, run on the release
before, give the next release's schema (v4.9.0 -> v4.10.0: but for the collation that release
fixed, which the diff report names)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from history import HISTORY, RELEASES, dump, loaded

from ispyb_schema.baseline import load_schema
from ispyb_schema.catalog import compare
from ispyb_schema.changeset import render_plan, validate
from ispyb_schema.cli.main import cli
from ispyb_schema.propose.diff import schema_steps
from ispyb_schema.propose.report import report_data

INTERVALS = [(a, b) for a, b in zip(RELEASES, RELEASES[1:])
             if (HISTORY / b / "updates").is_dir()]
COLLATION_FIXED = {"LaserParameters", "LaserPoint"}  # by the v4.10.0 release, not its script

pytestmark = [pytest.mark.upstream,
              pytest.mark.skipif(not HISTORY.is_dir(), reason=f"{HISTORY} is not there")]


@pytest.fixture
def server_url(mariadb_server, monkeypatch):
    monkeypatch.setenv("ISPYB_SCHEMA_DB_URL", mariadb_server.url)


@pytest.mark.slow
@pytest.mark.parametrize("old, new", INTERVALS, ids=[f"{a}-to-{b}" for a, b in INTERVALS])
def test_converted_scripts_of_an_interval_give_the_next_release(mariadb_server, releases,
                                                                server_url, tmp_path, old, new):
    scripts = sorted((HISTORY / new / "updates").glob("*.sql"))
    old_dump, new_dump = dump(old), dump(new)
    result = CliRunner().invoke(cli, ["propose", "--from-sql", *map(str, scripts),
                                      "--baseline", str(old_dump), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    files = [tmp_path / f"{s.stem}.yaml" for s in scripts]
    chain = [yaml.safe_load(f.read_text()) for f in files]
    assert [p["depends_on"] for p in chain] == [[]] + [[s.stem] for s in scripts[:-1]]
    for proposal in chain:  # no SchemaStatus bracket survives
        assert "SchemaStatus" not in yaml.safe_dump(proposal["steps"])
    checked = validate(files, load_schema(old_dump))
    # only the rollback of the version bump's UPDATE is left for the author: what it
    # overwrites at a facility is not known to the tool
    left = [(Path(d.loc.file).stem, d.code) for d in checked.diagnostics]
    assert left == [(scripts[-1].stem, "E402")], checked.sorted_diagnostics()
    assert "_AdminVar_bump_version" in scripts[-1].stem
    plans = [render_plan(checked.proposals[p], checked.bases[p], checked.walks[p], "OLD")
             for p in checked.order]
    got = loaded(mariadb_server, "propose_proof", old_dump, *plans)
    diffs = compare(releases.catalog(new), got)
    report = report_data(checked.walks[checked.order[-1]].model, load_schema(new_dump),
                         "converted", new, schema_steps(load_schema(old_dump),
                                                        load_schema(new_dump)))
    if (old, new) != ("v4.9.0", "v4.10.0"):
        assert not diffs, "\n".join(map(str, diffs[:20]))
        assert not report["tables_changed"] and not report["tables_only_in_new"]
        return
    # the release fixed a collation the script left at the server default: exactly that
    assert {d.key[0] for d in diffs} == COLLATION_FIXED, "\n".join(map(str, diffs[:20]))
    for d in diffs:
        changed = {c for (c, v), (_, w) in zip(d.expected, d.actual) if v != w}
        assert changed <= {"TABLE_COLLATION", "CHARACTER_SET_NAME", "COLLATION_NAME"}, d
    assert set(report["tables_changed"]) == COLLATION_FIXED
    attributes = {c["attribute"] for changes in report["tables_changed"].values()
                  for c in changes}
    assert attributes == {"charset", "collation"}


def test_renames_come_from_the_scripts_own_clauses(mariadb_server, server_url, tmp_path):
    base = tmp_path / "base.sql"
    base.write_text("CREATE TABLE `A` (`id` int(10) unsigned NOT NULL AUTO_INCREMENT,"
                    " `x` int(11) DEFAULT NULL, `y` int(11) DEFAULT NULL, PRIMARY KEY (`id`))"
                    " ENGINE=InnoDB DEFAULT CHARSET=latin1;\n"
                    "CREATE TABLE `SchemaStatus` (`scriptName` varchar(100) NOT NULL,"
                    " `schemaStatus` varchar(10) DEFAULT NULL, PRIMARY KEY (`scriptName`))"
                    " ENGINE=InnoDB DEFAULT CHARSET=latin1;\n")
    script = tmp_path / "2026_01_01_A_renames.sql"
    script.write_text(
        "-- Renames x (two columns of one definition: a guess would not know which)\n"
        "INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) VALUES "
        "('2026_01_01_A_renames.sql', 'ONGOING');\n"
        "ALTER TABLE A CHANGE x renamedX int(11) DEFAULT NULL;\n"
        "INSERT INTO A (id, renamedX) VALUES (7, 1);\n"
        "RENAME TABLE A TO B;\n"
        "UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE scriptName = "
        "'2026_01_01_A_renames.sql';\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["propose", "--from-sql", str(script),
                                      "--baseline", str(base), "-o", str(out)])
    assert result.exit_code == 0, result.output
    proposal = yaml.safe_load((out / "2026_01_01_A_renames.yaml").read_text())
    assert proposal["id"] == "2026_01_01_A_renames"
    assert "> Renames x (two columns" in proposal["motivation"]
    assert [list(s) for s in proposal["steps"]] == [["rename_column"], ["sql"], ["rename_table"]]
    assert proposal["steps"][0]["rename_column"] == {"table": "A", "from": "x", "to": "renamedX"}
    insert = proposal["steps"][1]["sql"]
    assert insert["rollback"] == "DELETE FROM `A` WHERE (`id`) IN ((7));"
    assert "touched 1 row" in insert["note"]
    checked = validate([out / "2026_01_01_A_renames.yaml"], load_schema(base))
    assert not checked.diagnostics, checked.sorted_diagnostics()


def test_a_failing_script_is_located_and_nothing_is_written(mariadb_server, server_url, tmp_path):
    base = tmp_path / "base.sql"
    base.write_text("CREATE TABLE `A` (`id` int NOT NULL, PRIMARY KEY (`id`)) "
                    "ENGINE=InnoDB DEFAULT CHARSET=latin1;\n")
    good = tmp_path / "1_good.sql"
    good.write_text("ALTER TABLE A ADD b int;\n")
    bad = tmp_path / "2_bad.sql"
    bad.write_text("-- oops\n\nALTER TABLE A ADD c int;\nALTER TABLE A ADDD d int;\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["propose", "--from-sql", str(good), str(bad),
                                      "--baseline", str(base), "-o", str(out)])
    assert result.exit_code == 2
    assert f"{bad}:4: error[E042]: the statement at line 4 failed on MariaDB: ERROR 1064" \
        in result.output
    assert "ALTER TABLE A ADDD d int" in result.output
    assert not out.exists()
