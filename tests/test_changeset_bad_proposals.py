# SPDX-License-Identifier: LGPL-3.0-or-later
"""The corpus of bad proposals: each file says, in its header, the diagnostics it must get.

``# expect: LINE:COL CODE message fragment`` (or ``FILE:LINE:COL …`` for a diagnostic in
another file); ``# with: FILE`` validates another file alongside. A case whose bytes cannot
hold its own header (UTF-16) is a ``.bin`` file with its header lines in ``NAME.expect``. Every
case must exit 2, print nothing on stdout, report exactly the expected diagnostics, and write
nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ispyb_schema.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_proposals"
CASES = sorted([*BAD.glob("*.yaml"), *BAD.glob("*.bin")])
EXPECT = re.compile(r"^# expect: (?:(?P<file>[\w.-]+\.yaml):)?(?P<line>\d+):(?P<col>\d+) "
                    r"(?P<code>E\d{3}) (?P<fragment>.+)$")
DIAGNOSTIC = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>E\d{3})\]: "
                        r"(?P<message>.*)$")


def header(path: Path) -> list[str]:
    sidecar = path.with_suffix(".expect")
    source = sidecar if sidecar.is_file() else path
    return source.read_bytes().decode("utf-8", errors="replace").splitlines()


def expectations(path: Path) -> tuple[list[tuple], list[str]]:
    expected, others = [], []
    for line in header(path):
        if line.startswith("# expect:"):
            found = EXPECT.match(line)
            assert found, f"{path.name}: unreadable expectation {line!r}"
            expected.append((found["file"] or path.name, int(found["line"]), int(found["col"]),
                             found["code"], found["fragment"]))
        elif line.startswith("# with:"):
            others.append(line.split(":", 1)[1].strip())
    return expected, others


def run(monkeypatch, *args: str):
    monkeypatch.chdir(BAD)
    return CliRunner().invoke(cli, [*args, "--baseline", str(ROOT / "schema")])


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    codes = {e[3] for path in CASES for e in expectations(path)[0]}
    assert {c[:2] for c in codes} == {"E0", "E1", "E2", "E3", "E4", "E5", "E6"}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_proposal_gets_its_diagnostics(path, monkeypatch):
    expected, others = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    result = run(monkeypatch, "validate", path.name, *others)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert result.stdout == ""
    found = [m for m in map(DIAGNOSTIC.match, result.stderr.splitlines()) if m]
    actual = [(m["file"], int(m["line"]), int(m["col"]), m["code"], m["message"]) for m in found]
    for file, line, col, code, fragment in expected:
        assert any(a[:4] == (file, line, col, code) and fragment in a[4] for a in actual), \
            f"missing {file}:{line}:{col} {code} {fragment!r}; got:\n{result.stderr}"
    assert len(actual) == len(expected), result.stderr


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_proposal_writes_no_plan(path, monkeypatch, tmp_path):
    if expectations(path)[1]:
        pytest.skip("bad only together with its '# with:' file")
    target = tmp_path / "out.sql"
    result = run(monkeypatch, "plan", path.name, "-o", str(target))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert result.stdout == ""
    assert not target.exists() and not list(tmp_path.iterdir())
