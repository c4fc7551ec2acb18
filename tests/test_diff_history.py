# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema diff`` proved on the real thing: for each release pair of upstream's history
(both directions) and for each proposal of the project, the generated proposal, planned and run
on a database loaded with OLD, gives NEW's information_schema fact for fact."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.catalog import compare, snapshot
from ispyb_schema.changeset import render_plan, validate
from ispyb_schema.cli.main import cli
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT.parent / "shared" / "ispyb-database" / "history"
RELEASES = ["v1.5.2", "v2.1.0", "v4.8.0", "v4.9.0", "v4.10.0", "v4.11.0"]
PAIRS = list(zip(RELEASES, RELEASES[1:]))
PAIRS += [(b, a) for a, b in PAIRS]

pytestmark = [pytest.mark.upstream,
              pytest.mark.skipif(not HISTORY.is_dir(), reason=f"{HISTORY} is not there")]


@pytest.fixture(scope="module")
def catalogs(mariadb_server):
    """Each release's information_schema, loaded by the server from upstream's dump (cached)."""
    cache: dict[str, dict] = {}

    def get(release: str):
        if release not in cache:
            cache[release] = loaded_catalog(mariadb_server, path=HISTORY / release / "tables.sql")
        return cache[release]
    return get


def loaded_catalog(server, path=None, text=None, then: str | None = None):
    name = server.create_scratch_database("diff_proof")
    try:
        server.load_sql(name, path, text=text)
        if then:
            server.load_sql(name, text=then)
        with server.connect(name) as conn:
            return snapshot(conn, name)
    finally:
        server.drop_scratch_database(name)


def diff_proposal(tmp_path: Path, old: str, new: str, pid: str, *extra: str) -> Path:
    out = tmp_path / f"{pid}.yaml"
    result = CliRunner().invoke(cli, ["diff", old, new, "--accept-loss", "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def planned(proposal: Path, old_source: str) -> str:
    checked = validate([proposal], load_schema(old_source))
    assert not checked.diagnostics, "\n".join(map(str, checked.sorted_diagnostics()[:20]))
    (loaded,) = checked.proposals.values()
    return render_plan(loaded, checked.bases[loaded.id], checked.walks[loaded.id], "OLD")


def assert_same(expected, actual):
    # a created view's SELECT is the one sqlglot re-emits (interval 6 day: interval '6' day);
    # its text differs, its columns, charsets and options do not
    diffs = compare(expected, actual, ignore_columns=frozenset({"VIEW_DEFINITION"}))
    assert not diffs, f"{len(diffs)} differences:\n" + "\n".join(map(str, diffs[:30]))


@pytest.mark.slow
@pytest.mark.parametrize("old, new", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_diff_of_a_release_pair_turns_old_into_new(mariadb_server, catalogs, tmp_path, old, new):
    old_dump, new_dump = (str(HISTORY / r / "tables.sql") for r in (old, new))
    proposal = diff_proposal(tmp_path, old_dump, new_dump, "release-step")
    plan = planned(proposal, old_dump)
    assert_same(catalogs(new), loaded_catalog(mariadb_server, path=old_dump, then=plan))


def test_a_table_charset_change_is_an_alter_table_options_step(tmp_path):
    old, new = (str(HISTORY / r / "tables.sql") for r in ("v1.5.2", "v2.1.0"))
    proposal = yaml.safe_load(diff_proposal(tmp_path, old, new, "options").read_text())
    options = [s["alter_table_options"] for s in proposal["steps"] if "alter_table_options" in s]
    assert options == [{"table": "XrayCentringResult", "charset": "utf8mb4",
                        "collation": "utf8mb4_general_ci", "comment": "Xray Centring result."}]


@pytest.mark.slow
@pytest.mark.parametrize("proposal", sorted((ROOT / "proposals").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_diff_reproduces_what_each_proposal_does(mariadb_server, tmp_path, proposal):
    """OLD: upstream's tables.sql; NEW: that schema after the proposal (and what it depends
    on), written as DDL. diff's proposal, run on OLD, gives NEW's catalog."""
    upstream = ROOT.parent / "shared" / "ispyb-database" / "tables.sql"
    base = load_schema(upstream)
    checked = validate([proposal], base)
    assert not checked.diagnostics
    pid = proposal.stem
    after = checked.walks[pid].model
    new_file = tmp_path / "new.sql"
    new_file.write_text(schema_ddl(after))
    expected = loaded_catalog(mariadb_server, path=new_file)
    generated = diff_proposal(tmp_path / "gen", str(upstream), str(new_file), "generated")
    plan = planned(generated, str(upstream))
    assert_same(expected, loaded_catalog(mariadb_server, path=upstream, then=plan))
