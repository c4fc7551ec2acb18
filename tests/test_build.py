# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema build``, the README's main job, on a small project of its own."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "proposals"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this project's skeleton with two example proposals."""
    for name in ("pyproject.toml", "LICENSE.LGPL"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "schema" / "tables", tmp_path / "schema" / "tables")
    # the baseline's routines and grants: upstream's, beside this copy's baseline
    upstream = ROOT.parent / "shared" / "ispyb-database"
    shutil.copy(upstream / "routines.sql", tmp_path / "schema" / "routines.sql")
    shutil.copytree(upstream / "grants", tmp_path / "schema" / "grants")
    settings = (tmp_path / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(
        settings.replace('"../shared/ispyb-database/routines.sql"', '"schema/routines.sql"')
        .replace('"../shared/ispyb-database/grants"', '"schema/grants"'))
    shutil.copytree(ROOT / "schema" / "fixtures", tmp_path / "schema" / "fixtures")
    shutil.copytree(ROOT / "site", tmp_path / "site",
                    ignore=shutil.ignore_patterns("site", "generated"))
    (tmp_path / "proposals").mkdir()
    for name in ("dc-snapshots.yaml", "screening-rank-removal.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / "proposals" / name)
    return tmp_path


def build(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ispyb_schema", "build", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_build_validates_writes_sql_and_builds_the_site(project):
    result = build(project, "--no-db")
    assert result.returncode == 0, result.stderr
    scripts = sorted(p.name for p in (project / "build" / "sql").iterdir())
    assert len(scripts) == 6
    forward = next(p for p in (project / "build" / "sql").glob("*dc-snapshots.forward.sql"))
    assert "ALTER TABLE `DataCollection`" in forward.read_text()
    upstream = [s for s in scripts if not s.startswith("0")]
    assert all(s.endswith("_dc-snapshots.sql") or s.endswith("_screening-rank-removal.sql")
               for s in upstream)
    assert "'ONGOING'" in (project / "build" / "sql" / upstream[0]).read_text()
    index = project / "site" / "site" / "index.html"
    assert index.is_file() and "dc-snapshots" in index.read_text()
    assert "2 proposals valid" in result.stderr
    written = result.stderr.split("written:\n")[1].splitlines()
    assert [line.strip() for line in written[:6]] == [f"build/sql/{name}" for name in [
        scripts[0], scripts[1], upstream[0], scripts[2], scripts[3], upstream[1]]]
    assert written[6].strip().startswith("site/docs/generated/")
    assert written[7] == "review site: site/site/index.html"
    home = index.read_text()
    assert "lint: " in home and "lint: not run" not in home
    assert "verify: not run" in home and not (project / "results").exists()


def test_an_invalid_proposal_stops_the_build_before_anything_is_written(project):
    bad = project / "proposals" / "dc-snapshots.yaml"
    bad.write_text(bad.read_text().replace("table: DataCollectionFileAttachment",
                                           "table: DataCollectionFileAtachment", 1))
    result = build(project, "--no-db")
    assert result.returncode == 2
    assert "DataCollectionFileAtachment" in result.stderr
    assert not (project / "build").exists()
    assert not (project / "site" / "site").exists()


@pytest.mark.slow
def test_build_verifies_on_the_server_and_shows_the_record(project, mariadb_server):
    result = build(project, "--db", mariadb_server.url)
    assert result.returncode == 0, result.stderr
    records = list((project / "results").glob("verify-*.json"))
    assert len(records) == 1
    assert f"  {records[0].relative_to(project)}\n" in result.stderr.split("written:")[1]
    assert "dc-snapshots: verified" in result.stderr and "all: verified" in result.stderr
    record = json.loads(records[0].read_text())
    assert record["ok"] and {r["proposal"] for r in record["runs"]} == {
        "dc-snapshots", "screening-rank-removal", "all"}
    page = next((project / "site" / "site" / "generated" / "proposals").glob("dc-snapshots*"))
    text = (page / "index.html" if page.is_dir() else page).read_text()
    assert "verify: passed" in text
    assert not [d for d in _databases(mariadb_server) if d.startswith("ispyb_verify")]


def _databases(server) -> list[str]:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES")
        return [row[0] for row in cur.fetchall()]


def test_a_configured_routines_file_that_is_missing_is_named(project):
    (project / "schema" / "routines.sql").unlink()
    result = build(project, "--no-db")
    assert result.returncode == 2
    assert "pyproject.toml: error[E000]: [tool.ispyb-schema] routines: " in result.stderr
    assert "routines.sql does not exist" in result.stderr and "Traceback" not in result.stderr
