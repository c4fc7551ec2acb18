# SPDX-License-Identifier: LGPL-3.0-or-later
"""The README's commands are the ones CI and users actually run."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)


def test_readme_gives_the_two_fresh_machine_commands():
    commands = readme_commands()
    assert any("ispyb-schema build" in c for c in commands)
    assert any("pytest" in c and ".[test]" in c for c in commands)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
