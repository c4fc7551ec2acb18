# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema diff`` proved on the real thing: for each release pair of upstream's history
(both directions) and for each proposal of the project, the generated proposal, planned and run
on a database loaded with OLD, gives NEW's information_schema fact for fact."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from history import HISTORY, RELEASES, UPSTREAM, assert_same, dump, loaded

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset import render_plan, validate
from ispyb_schema.cli.main import cli
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
PAIRS = list(zip(RELEASES, RELEASES[1:]))
PAIRS += [(b, a) for a, b in PAIRS]
# a created view's SELECT is the one sqlglot re-emits (interval 6 day: interval '6' day); its
# text differs, its columns, charsets and options do not
VIEW_TEXT = frozenset({"VIEW_DEFINITION"})

pytestmark = [pytest.mark.upstream,
              pytest.mark.skipif(not RELEASES, reason=f"{HISTORY} is not there")]


def diff_proposal(tmp_path: Path, old: str, new: str, pid: str, *extra: str) -> Path:
    out = tmp_path / f"{pid}.yaml"
    result = CliRunner().invoke(cli, ["diff", old, new, "--accept-loss", "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def planned(proposal: Path, old_source: str) -> str:
    checked = validate([proposal], load_schema(old_source))
    assert not checked.diagnostics, "\n".join(map(str, checked.sorted_diagnostics()[:20]))
    (found,) = checked.proposals.values()
    return render_plan(found, checked.bases[found.id], checked.walks[found.id], "OLD")


@pytest.mark.slow
@pytest.mark.parametrize("old, new", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_diff_of_a_release_pair_turns_old_into_new(mariadb_server, releases, tmp_path, old, new):
    proposal = diff_proposal(tmp_path, str(dump(old)), str(dump(new)), "release-step")
    plan = planned(proposal, str(dump(old)))
    assert_same(releases.catalog(new), loaded(mariadb_server, "diff_proof", dump(old), plan),
                VIEW_TEXT)


def test_a_table_charset_change_is_an_alter_table_options_step(tmp_path):
    old, new = (str(dump(r)) for r in ("v1.5.2", "v2.1.0"))
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
    upstream = UPSTREAM / "tables.sql"
    base = load_schema(upstream)
    checked = validate([proposal], base)
    assert not checked.diagnostics
    pid = proposal.stem
    after = checked.walks[pid].model
    expected = loaded(mariadb_server, "diff_proof", schema_ddl(after))
    new_file = tmp_path / "new.sql"
    new_file.write_text(schema_ddl(after))
    generated = diff_proposal(tmp_path / "gen", str(upstream), str(new_file), "generated")
    plan = planned(generated, str(upstream))
    assert_same(expected, loaded(mariadb_server, "diff_proof", upstream, plan), VIEW_TEXT)
