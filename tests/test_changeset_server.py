# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every example proposal on a real MariaDB: the model after ``apply`` equals the model
imported after running the forward script, the assertions hold, and the rollback gives back
the baseline's schema and (where the steps allow) its data.

Run on the embedded baseline (with its fixture data) and on the upstream dump (with the
upstream test data).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.changeset.plan import render_plan
from ispyb_schema.changeset.validate import validate
from ispyb_schema.fixtures import fixture_sql
from ispyb_schema.importer.live import import_connection
from ispyb_schema.model import Schema, diff_schemas
from ispyb_schema.render.ddl import schema_ddl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"
UPSTREAM = ROOT.parent / "shared" / "ispyb-database"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))

# Tables whose rows a proposal's rollback cannot bring back: the steps say so (data_loss, a
# change_enum map, a transform whose float inverse rounds, merged rows keeping new ids).
NOT_RESTORED = {
    "screening-rank-removal": {"ScreeningRank", "ScreeningRankSet", "ScreeningOutput"},
    "experiment-types": {"ProcessingPipeline"},
    "dc-energy": {"EnergyScan"},
    "phasing-into-autoproc": {"PhasingProgramRun", "PhasingProgramAttachment", "PhasingStep",
                              "Phasing", "ModelBuilding", "PreparePhasingData",
                              "SubstructureDetermination"},
}


def same_schema(expected: Schema, actual: Schema) -> str:
    """'' when equal; views are compared by name (the server rewrites their text)."""
    diff = diff_schemas(expected, actual)
    tables = [c for c in diff.changes() if c not in diff.view_changes]
    views = {v.name for v in expected.views} ^ {v.name for v in actual.views}
    return "\n".join([str(c) for c in tables] + [f"view {v}" for v in sorted(views)])


def checksums(conn, tables) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
        return {row[0].split(".", 1)[1]: row[1] for row in cur.fetchall()}


def query(conn, sql: str):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


class Database:
    """A scratch database loaded with a baseline and its data."""

    def __init__(self, server, load) -> None:
        self.server = server
        self.name = server.create_scratch_database("changeset")
        load(self)
        self.conn = server.connect(self.name)
        self.conn.autocommit(True)

    def run(self, text: str) -> None:
        self.server.load_sql(self.name, text=text)

    def model(self) -> Schema:
        return import_connection(self.conn, self.name)

    def close(self) -> None:
        self.conn.close()
        self.server.drop_scratch_database(self.name)


@pytest.fixture(scope="module")
def embedded() -> Schema:
    return load_schema(ROOT / "schema")


def _load_embedded(model: Schema):
    def load(db: Database) -> None:
        db.run(schema_ddl(model))
        db.run(fixture_sql(model, [ROOT / "schema" / "fixtures"]))
    return load


def _load_upstream(db: Database) -> None:
    for name in ("tables.sql", "lookups.sql", "data.sql"):
        db.server.load_sql(db.name, UPSTREAM / name)


@pytest.fixture(scope="module")
def upstream(mariadb_server) -> Schema:
    if not (UPSTREAM / "tables.sql").is_file():
        pytest.skip("the upstream dump is not in ../shared/ispyb-database")
    db = Database(mariadb_server, _load_upstream)
    try:
        return db.model()
    finally:
        db.close()


def roundtrip(server, baseline: Schema, load, name: str) -> None:
    result = validate([EXAMPLES / f"{name}.yaml"], baseline)
    assert not result.diagnostics, "\n".join(map(str, result.sorted_diagnostics()))
    proposal, base, walk = result.proposals[name], result.bases[name], result.walks[name]
    db = Database(server, load)
    try:
        for dep in result.order[:result.order.index(name)]:
            db.run(render_plan(result.proposals[dep], baseline, result.walks[dep], "t"))
        assert not same_schema(base, db.model()), "the loaded baseline differs from its model"
        tables = [t.name for t in base.tables]
        before_rows = checksums(db.conn, tables)
        assertions = [a.render(base, walk.model) for a in proposal.assertions]
        before = [query(db.conn, a.before) if a.before else None for a in assertions]

        db.run(render_plan(proposal, base, walk, "test"))
        problem = same_schema(walk.model, db.model())
        assert not problem, f"apply != server after the forward script:\n{problem}"
        for assertion, earlier in zip(assertions, before):
            rows = query(db.conn, assertion.after)
            if assertion.expect == "same":
                assert rows == earlier, f"{assertion.name}: {earlier} before, {rows} after"
            elif assertion.expect == "empty":
                assert not rows, assertion.name
            else:
                assert rows[0][0] == assertion.expect, f"{assertion.name}: {rows}"

        db.run(render_plan(proposal, base, walk, "test", rollback=True))
        problem = same_schema(base, db.model())
        assert not problem, f"the rollback did not restore the schema:\n{problem}"
        after_rows = checksums(db.conn, tables)
        kept = set(tables) - NOT_RESTORED.get(name, set())
        changed = sorted(t for t in kept if before_rows[t] != after_rows[t])
        assert not changed, f"the rollback did not restore the rows of {changed}"
    finally:
        db.close()


@pytest.mark.parametrize("name", NAMES)
def test_example_on_embedded_baseline(mariadb_server, embedded, name):
    roundtrip(mariadb_server, embedded, _load_embedded(embedded), name)


@pytest.mark.slow
@pytest.mark.upstream
@pytest.mark.parametrize("name", NAMES)
def test_example_on_upstream_dump(mariadb_server, upstream, name):
    roundtrip(mariadb_server, upstream, _load_upstream, name)


def test_examples_cover_every_operation():
    from ispyb_schema.changeset.operations import REGISTRY

    used = set()
    for path in EXAMPLES.glob("*.yaml"):
        used |= {line.strip().lstrip("- ").split(":")[0] for line in path.read_text().splitlines()
                 if line.strip().startswith("- ")}
    assert set(REGISTRY) - used == set()
