# SPDX-License-Identifier: LGPL-3.0-or-later
"""``apply --recover``: a run stopped part-way (its connection killed, or the client crashing)
is finished from the first statement not done, or undone exactly; the step record, the
decision about a DDL statement that has no row, and the refusals.

The slow test injects the fault at every statement of every proposal in proposals/, on the
upstream baseline with its data, and recovers both ways."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from faults import (Template, connect, digests, interrupted_apply, recover, status_rows)
from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.render.ddl import schema_ddl
from ispyb_schema.harness.template import Objects
from ispyb_schema.verify.apply import (STATUS, apply_plan, plan_apply, touched_differences,
                                      touched_names)
from ispyb_schema.verify.journal import STEPS, without_counter
from ispyb_schema.verify.recover import Refused
from ispyb_schema.verify.snapshot import table_digest
from ispyb_schema.verify.statements import execute, planned_script

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))
DC_ENERGY = ROOT / "tests" / "data" / "proposals" / "dc-energy.yaml"
EMBEDDED_SOURCE = str(ROOT / "schema")
EMBEDDED = load_schema(EMBEDDED_SOURCE)
LOAD = schema_ddl(EMBEDDED) + fixture_sql(EMBEDDED, [ROOT / "schema" / "fixtures"])
SCRIPT = "2019_09_12_dc-energy.sql"


@pytest.fixture
def target(mariadb_server, scratch_db):
    mariadb_server.load_sql(scratch_db.name, text=LOAD)
    return scratch_db


def cli_recover(server, database, *args, input=None):
    return CliRunner().invoke(cli, ["apply", "--recover", str(DC_ENERGY), *args, "--db",
                                    server.url + database, "--baseline", EMBEDDED_SOURCE],
                              input=input)


def step_rows(target) -> list[tuple]:
    with target.conn.cursor() as cur:
        cur.execute(f"SELECT statementIndex, recoveryNote FROM {STEPS} WHERE scriptName LIKE "
                    f"'{SCRIPT}%%' ORDER BY scriptName, statementIndex")
        return list(cur.fetchall())


def test_each_statement_is_recorded_as_it_finishes(target, mariadb_server):
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 4,
                      "kill")
    assert status_rows(mariadb_server, target.name) == [(SCRIPT, "ONGOING")]
    assert step_rows(target) == [(1, None), (2, None), (3, None)]


def test_recover_finishes_a_killed_run(target, mariadb_server):
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 4,
                      "kill")  # statement 4 (ADD KEY) ran, its row was never written
    result = cli_recover(mariadb_server, target.name, "--yes")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"-- {SCRIPT}: 3 of 7 statements done (recorded in SchemaStatusStep)" in out
    assert ("-- statement 4 of 7 (line 17, step 3 (add_index)) was under way when the run "
            "stopped: it took effect (DataCollection changed since just before it), so it "
            "counts as done") in out
    assert "-- to finish it: 3 statement(s)" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("  ran ")] == [
        "  ran 5/7", "  ran 6/7", "  ran 7/7"]
    assert f"  done: SchemaStatus records '{SCRIPT}' as DONE" in out
    assert status_rows(mariadb_server, target.name) == [(SCRIPT, "DONE")]
    assert step_rows(target) == [(1, None), (2, None), (3, None),
                                 (4, "recovery: took effect before the run stopped"),
                                 (5, None), (6, None), (7, None)]


def test_recover_undo_runs_exactly_the_rollback_of_what_ran(target, mariadb_server):
    before = digests(target.conn, EMBEDDED)
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 5,
                      "crash")  # statements 1-4 ran; the client died before the UPDATE
    result = cli_recover(mariadb_server, target.name, "--undo", input="y\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "-- the schema equals the model after statement 4" in out
    assert "-- to undo it: 1 statement(s), then the SchemaStatus row and the step rows" in out
    undo = out[out.index("-- to undo it"):out.index("Run them on")].splitlines()[1:]
    assert undo == ["ALTER TABLE `DataCollection`", "  DROP KEY `DataCollection_energy`,",
                    "  DROP COLUMN `energy`;", ""]  # the transform filled the dropped column
    assert f"  undone: SchemaStatus no longer records '{SCRIPT}'" in out
    assert status_rows(mariadb_server, target.name) == []
    assert step_rows(target) == []
    assert digests(target.conn, EMBEDDED) == before
    assert CliRunner().invoke(cli, ["apply", str(DC_ENERGY), "--yes", "--db", mariadb_server.url
                                    + target.name, "--baseline", EMBEDDED_SOURCE]).exit_code == 0


def test_a_crash_before_a_ddl_statement_reruns_it(target, mariadb_server):
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 6,
                      "crash")
    recovery, outcome = recover(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE,
                                EMBEDDED, undo=False)
    assert recovery.decisions == [
        "statement 6 of 7 (line 23, step 5 (set_column_comment)) was under way when the run "
        "stopped: it did not take effect (EnergyScan as just before it), so it counts as not run"]
    assert [s.statement.index for s in recovery.steps] == [6, 7]
    assert outcome.ok, (outcome.failure, outcome.differences)


def test_nothing_to_recover(target, mariadb_server):
    result = cli_recover(mariadb_server, target.name, "--yes")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"refused: nothing was run on {mariadb_server.url.split('@')[0].split('//')[0]}//"
        + result.stderr.split("//", 1)[1].splitlines()[0],
        f"  nothing to recover: SchemaStatus does not record '{SCRIPT}'; `apply "
        f"{DC_ENERGY}` runs it"]
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 1,
                      "kill")  # the ONGOING row rolled back with its step row
    assert status_rows(mariadb_server, target.name) == []
    assert "nothing to recover" in cli_recover(mariadb_server, target.name, "--yes").stderr


def test_apply_refuses_an_ongoing_proposal_and_names_recover(target, mariadb_server):
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 3,
                      "kill")
    result = CliRunner().invoke(cli, ["apply", str(DC_ENERGY), "--yes", "--db",
                                      mariadb_server.url + target.name,
                                      "--baseline", EMBEDDED_SOURCE])
    assert result.exit_code == 1
    assert f"`apply --recover {DC_ENERGY}`" in result.stderr


def test_recover_refuses_a_changed_script(target, mariadb_server, tmp_path):
    interrupted_apply(mariadb_server, target.name, DC_ENERGY, EMBEDDED_SOURCE, EMBEDDED, 4,
                      "kill")
    changed = tmp_path / "dc-energy.yaml"
    changed.write_text(DC_ENERGY.read_text().replace("Beam energy in eV", "Energy in eV"))
    with pytest.raises(Refused, match="statement 2 of '2019_09_12_dc-energy.sql' is not the "
                                      "one that ran"):
        recover(mariadb_server, target.name, changed, EMBEDDED_SOURCE, EMBEDDED, undo=True)


def test_undo_and_recover_options_go_together(target, mariadb_server):
    result = CliRunner().invoke(cli, ["apply", str(DC_ENERGY), "--undo", "--db",
                                      mariadb_server.url + target.name])
    assert result.exit_code == 2
    assert "--undo goes with --recover" in result.stderr


# -- fault injection at every statement of every proposal, on the upstream baseline ---------

def _templates(server, base, source):
    """The upstream baseline with its data, loaded once; and per proposal with dependencies,
    a copy with them applied."""
    database = server.create_scratch_database("ispyb_fault_tpl")
    for name in ("tables.sql", "lookups.sql", "data.sql"):
        server.load_sql(database, UPSTREAM / name)
    plain = Template(server, database, base)
    validation = validate(PROPOSALS, base)
    templates = {}
    for pid in validation.order:
        deps = [validation.proposals[d].file for d in validation.proposals[pid].depends_on]
        if not deps:
            templates[pid] = plain
            continue
        copy = plain.clone("ispyb_fault_tpl")
        with closing(connect(server, copy)) as conn:
            plan = plan_apply([Path(f) for f in deps], source, conn, copy, base=base)
            assert all(o.ok for o in apply_plan(plan, conn, copy))
        templates[pid] = Template(server, copy, validation.bases[pid])
    return validation, templates


def _reference(server, template, path, source, base):
    """The uninterrupted run: its script, every table's digest and every table's and view's
    definition after it; then its whole rollback, for the values a rollback cannot give back
    (a step's acknowledged data loss): per column, the tables that differ from the baseline
    after the round trip, and the same columns of the baseline."""
    database = template.clone()
    validation = validate([path], base)  # once: every run of the proposal uses it
    with closing(connect(server, database)) as conn:
        plan = plan_apply([path], source, conn, database, base=base, validation=validation)
        assert all(o.ok for o in apply_plan(plan, conn, database))
        script = plan.scripts[0]
        forward, after = digests(conn, script.walk.model), Objects.read(conn)
        _, rollback = planned_script(script.walk, source, rollback=True)
        assert execute(conn, rollback)[1] is None
        back = digests(conn, template.model)
        lossy = [t for t in template.model.tables if back[t.name] != template.digests[t.name]]
        with conn.cursor() as cur:
            roundtrip = {t.name: table_digest(cur, t, True) for t in lossy}
    with closing(server.connect(template.database)) as conn, conn.cursor() as cur:
        baseline = {t.name: table_digest(cur, t, True) for t in lossy}
    return database, script, forward, after, (baseline, roundtrip), validation


def _lost_only(conn, table, baseline, roundtrip) -> bool:
    """Whether each column of the table holds its baseline values or those the whole round
    trip leaves (a lossy step ran, or did not)."""
    with conn.cursor() as cur:
        now = table_digest(cur, table, True)
    return now.whole.rows == baseline.whole.rows and all(
        now.columns[c] in (baseline.columns[c], roundtrip.columns[c]) for c in now.columns)


def _definitions(objects) -> dict[str, str]:
    return {name: without_counter(text)
            for name, text in {**objects.creates, **objects.views}.items()}


def _run(server, database, template, path, source, base, reference, changed, k, how, undo):
    """Stop the run at statement k, recover, and compare with the uninterrupted run (forward)
    or the baseline (undo); returns the problems."""
    _, script, forward, after, (lost_before, lost_after), validation = reference
    where = f"{script.proposal.id} k={k} {how} {'undo' if undo else 'forward'}"
    template.reset(database, changed)
    interrupted_apply(server, database, path, source, base, k, how, validation)
    try:
        _, outcome = recover(server, database, path, source, base, undo, validation)
    except Refused as why:
        if k != 1 or "nothing to recover" not in str(why):
            return [f"{where}: refused: {why}"]
        undo = True  # the ONGOING row rolled back with everything: the baseline is intact
    else:
        if not outcome.ok:
            return [f"{where}: {outcome.failure or outcome.differences[:5]}"]
    model, want = (template.model, template.digests) if undo else (script.walk.model, forward)
    with closing(server.connect(database)) as conn:
        got = digests(conn, model)
        now = None if undo else Objects.read(conn, after, changed)
        problems = [f"{where}: {t} {got.get(t)} != {want[t]}" for t in want
                    if got.get(t) != want[t] and not (
                        undo and t in lost_before and _lost_only(
                            conn, model.table(t), lost_before[t], lost_after[t]))]
    status = dict(status_rows(server, database)).get(script.name)
    if status != (None if undo else "DONE"):
        problems.append(f"{where}: SchemaStatus says {status}")
    if undo:  # the model's: a table the undo creates again lists its keys in another order
        with closing(server.connect(database)) as conn:
            problems += [f"{where}: {line}" for line in touched_differences(
                template.model, conn, database, changed, frozenset({STEPS}))]
        return problems
    mine, theirs = _definitions(now), _definitions(after)
    problems += [f"{where}: {name} differs from the uninterrupted run's"
                 for name in sorted(mine.keys() | theirs.keys())
                 if mine.get(name) != theirs.get(name)]
    return problems


@pytest.mark.slow
def test_fault_at_every_statement_recovers_both_ways(mariadb_server):
    if not (UPSTREAM / "tables.sql").is_file():
        pytest.skip("the upstream dump is not in ../shared/ispyb-database")
    start = time.perf_counter()
    source = str(UPSTREAM / "tables.sql")
    base = load_schema(source)
    validation, templates = _templates(mariadb_server, base, source)
    workers = int(os.environ.get("ISPYB_SCHEMA_FAULT_WORKERS", "3"))
    references = {}
    with ThreadPoolExecutor(workers) as pool:
        for pid, future in [(pid, pool.submit(_reference, mariadb_server, templates[pid],
                                              Path(validation.proposals[pid].file), source,
                                              base)) for pid in validation.order]:
            references[pid] = future.result()
        jobs = [(pid, k) for pid in validation.order
                for k in range(1, len(references[pid][1].statements) + 1)]
        changed = frozenset({STATUS, STEPS}).union(
            *(touched_names(references[pid][1].steps) for pid in validation.order))
        databases = [references[pid][0] for pid in validation.order][:workers]
        lanes = [jobs[i::workers] for i in range(workers)]

        def lane(database, items):
            problems = []
            for pid, k in items:
                path = Path(validation.proposals[pid].file)
                args = (mariadb_server, database, templates[pid], path, source, base,
                        references[pid], changed, k)
                problems += _run(*args, "kill" if k % 2 else "crash", undo=True)
                problems += _run(*args, "crash" if k % 2 else "kill", undo=False)
            return problems

        problems = [p for f in [pool.submit(lane, d, items) for d, items in zip(databases, lanes)]
                    for p in f.result()]
    print(f"\n{len(jobs)} fault points x 2 recoveries in {time.perf_counter() - start:.0f} s")
    assert len(jobs) >= 100
    assert not problems, "\n".join(problems[:20])
