# SPDX-License-Identifier: LGPL-3.0-or-later
"""``batch: N`` on data steps, on a real MariaDB: a batched step leaves exactly the rows of the
unbatched one (and verify checks it, running the proposal without batch beside); a step
interrupted part-way resumes after its last committed range when run
again (a self-referencing transform is applied once per row, not twice); ``batch: 0`` and a
table without an integer key are refused where they are written; the script runs in the
``mariadb`` client (DELIMITER lines)."""
from __future__ import annotations

import re
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.validate import validate
from ispyb_schema.cli.main import cli
from ispyb_schema.harness.server import scratch_database
from ispyb_schema.verify import verify_proposals
from ispyb_schema.verify.batches import same_as_unbatched
from ispyb_schema.verify.runner import Subject
from ispyb_schema.verify.scratch import fill
from ispyb_schema.verify.session import make_loader
from ispyb_schema.verify.snapshot import whole_digests
from ispyb_schema.verify.statements import execute, planned_script

ROOT = Path(__file__).resolve().parents[1]
BATCHED = ROOT / "tests" / "data" / "batch" / "batched-steps.yaml"
FIXTURES = [ROOT / "schema" / "fixtures"]
INSERTED_INTO = {"DataCollectionNote", "DataCollectionFileAttachment"}


@pytest.fixture(scope="module")
def base():
    return load_schema(ROOT / "schema")


def unbatched(tmp_path: Path) -> Path:
    path = tmp_path / "batched-steps.yaml"
    path.write_text(re.sub(r"\n +batch: \d+", "", BATCHED.read_text()))
    return path


def script(path: Path, base):
    result = validate([path], base)
    result.raise_if_errors()
    pid = next(iter(result.proposals))
    return result.walks[pid].model, planned_script(result.walks[pid], "test")


def loaded_at(column) -> bool:
    return "current_timestamp" in str(column.default or "").lower()


class Loaded:
    """A scratch database with the embedded baseline and its fixtures."""

    def __init__(self, server, base, name: str) -> None:
        self.server, self.name = server, name
        loaded = fill(server, name, make_loader(str(ROOT / "schema"), base, FIXTURES))
        assert loaded.error is None, loaded.error
        self.conn = server.connect(name)

    def run(self, statements):
        done, failure = execute(self.conn, statements)
        return failure

    def digests(self, model) -> dict:
        """Per table, the digest of its rows without the columns the load time fills in, and
        without the ids AUTO_INCREMENT hands the rows the steps insert (InnoDB leaves a gap
        after each INSERT … SELECT: batches get other, equally new ids)."""
        tables = [replace(t, columns=tuple(
            c for c in t.columns
            if not loaded_at(c) and not (c.auto_increment and t.name in INSERTED_INTO)))
            for t in model.tables]
        with self.conn.cursor() as cur:
            return dict(zip((t.name for t in tables), whole_digests(cur, tables)))

    def tables(self) -> set[str]:
        with self.conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            return {name for (name,) in cur.fetchall()}


@pytest.fixture
def loaded(mariadb_server, base):
    opened = []

    def make():
        name = mariadb_server.create_scratch_database("ispyb_test")
        opened.append(Loaded(mariadb_server, base, name))
        return opened[-1]
    yield make
    for each in opened:
        each.conn.close()
        mariadb_server.drop_scratch_database(each.name)


def test_batched_steps_leave_the_rows_of_the_unbatched_ones(loaded, base, tmp_path):
    model, (text, batched) = script(BATCHED, base)
    _, (plain_text, plain) = script(unbatched(tmp_path), base)
    assert text.count("BEGIN NOT ATOMIC") == 5 and "BEGIN NOT ATOMIC" not in plain_text
    assert len(batched) == len(plain)
    with_batches, without = loaded(), loaded()
    assert with_batches.run(batched) is None
    assert without.run(plain) is None
    after = with_batches.digests(model)
    assert after == without.digests(model)
    assert "ispyb_schema_batches" not in with_batches.tables()  # dropped when done
    # the steps did change rows: the comparison is not between two untouched databases
    untouched = loaded().digests(base)
    changed = {t for t in after if after[t] != untouched.get(t)}
    assert {"DataCollectionNote", "EnergyScan", "DataCollectionFileAttachment"} <= changed


def test_an_interrupted_batched_step_resumes_where_it_stopped(loaded, base, tmp_path):
    model, (_, batched) = script(BATCHED, base)
    _, (_, plain) = script(unbatched(tmp_path), base)
    transform = next(s for s in batched if "transform" in " ".join(s.labels))
    interrupted, expected = loaded(), loaded()
    assert expected.run(plain) is None
    times = "SELECT exposureTime FROM EnergyScan ORDER BY energyScanId"
    with interrupted.conn.cursor() as cur:
        cur.execute(times)
        original = [t for (t,) in cur.fetchall()]
        cur.execute("SELECT energyScanId FROM EnergyScan ORDER BY energyScanId LIMIT 1 OFFSET 2")
        (stop_at,) = cur.fetchone()
        cur.execute(  # a failure in the third range (batch: 1): two ranges are committed
            "CREATE TRIGGER `stop` BEFORE UPDATE ON `EnergyScan` FOR EACH ROW "
            f"IF NEW.energyScanId = {stop_at} THEN "
            "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'interrupted'; END IF")
    before = batched[:batched.index(transform)]
    assert interrupted.run(before) is None
    failure = interrupted.run([transform])
    assert failure is not None and "interrupted" in failure.message
    with interrupted.conn.cursor() as cur:
        cur.execute(times)
        now = [t for (t,) in cur.fetchall()]
        assert now[:2] == [t * 1000 for t in original[:2]] and now[2:] == original[2:]
        cur.execute("SELECT next_key FROM ispyb_schema_batches")
        assert cur.fetchone()[0] == stop_at
        cur.execute("DROP TRIGGER `stop`")
    assert interrupted.run(batched[batched.index(transform):]) is None  # run again from there
    assert interrupted.digests(model) == expected.digests(model)
    assert "ispyb_schema_batches" not in interrupted.tables()


def test_the_script_runs_in_the_mariadb_client(mariadb_server, base):
    _, (text, _) = script(BATCHED, base)
    assert "DELIMITER $$\nBEGIN NOT ATOMIC" in text and "END$$\nDELIMITER ;" in text
    with scratch_database(mariadb_server, "ispyb_test") as name:
        assert fill(mariadb_server, name, make_loader(str(ROOT / "schema"), base, FIXTURES)).error is None
        mariadb_server.load_sql(name, text=text)  # the client when installed, else pymysql
        with closing(mariadb_server.connect(name)) as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM DataCollectionNote")
            assert cur.fetchone()[0] > 10


def test_batch_must_be_positive(tmp_path):
    path = tmp_path / "batched-steps.yaml"
    text = BATCHED.read_text()
    path.write_text(text.replace("batch: 1", "batch: 0", 1))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "batch: 0" in t)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:{line}:14: error[E014]: 'batch': 0 is less than the minimum of 1" in result.output


def test_batch_needs_a_single_integer_key(tmp_path):
    path = tmp_path / "batched-steps.yaml"
    path.write_text(BATCHED.read_text().split("steps:")[0] + """steps:
  - delete_rows:
      table: Component_has_SubType
      where: componentId < 0
      batch: 100
      data_loss: {acknowledged: true, reason: nothing matches}
      rollback: []
""")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "error[E217]: batch: Component_has_SubType has no single-column integer primary key" \
        in result.output
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "batch: 100" in t)
    assert f"{path}:{line}:14: error[E217]" in result.output


def test_verify_runs_the_unbatched_proposal_beside_and_compares(mariadb_server, base, loaded):
    report = verify_proposals([BATCHED], str(ROOT / "schema"), FIXTURES, mariadb_server)
    [run] = report.runs
    assert run.ok, [s.error for s in run.steps if not s.ok]
    names = [s.name for s in run.steps]
    assert names.index("batches") == names.index("data") + 1
    stage = run.steps[names.index("batches")]
    assert stage.details == {"batched_steps": 5, "tables": len(base.tables) + 1, "differences": []}
    # the comparison finds a row that differs
    result = validate([BATCHED], base)
    walk = result.walks["batched-steps"]
    subject = Subject(walk, result.over("batched-steps", walk.base, batched=False))
    _, (_, batched) = script(BATCHED, base)
    database = loaded()
    assert database.run(batched) is None
    with database.conn.cursor() as cur:
        cur.execute("UPDATE EnergyScan SET comments = 'changed' ORDER BY energyScanId LIMIT 1")
    loader = make_loader(str(ROOT / "schema"), base, FIXTURES)
    details, error = same_as_unbatched(mariadb_server, database.conn, loader, [], subject, "test")
    assert error and [d.split(":")[0] for d in details["differences"]] == ["EnergyScan"]
