# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema build``, the README's main job, on a small project of its own."""
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
    shutil.copytree(ROOT / "site", tmp_path / "site",
                    ignore=shutil.ignore_patterns("site", "generated"))
    (tmp_path / "proposals").mkdir()
    for name in ("dc-snapshots.yaml", "screening-rank-removal.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / "proposals" / name)
    return tmp_path


def build(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ispyb_schema", "build"], cwd=cwd,
                          capture_output=True, text=True)


def test_build_validates_writes_sql_and_builds_the_site(project):
    result = build(project)
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


def test_an_invalid_proposal_stops_the_build_before_anything_is_written(project):
    bad = project / "proposals" / "dc-snapshots.yaml"
    bad.write_text(bad.read_text().replace("table: DataCollectionFileAttachment",
                                           "table: DataCollectionFileAtachment", 1))
    result = build(project)
    assert result.returncode == 2
    assert "DataCollectionFileAtachment" in result.stderr
    assert not (project / "build").exists()
    assert not (project / "site" / "site").exists()
