# SPDX-License-Identifier: LGPL-3.0-or-later
"""Every source file carries the licence statement the collaboration asked for."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPDX = "SPDX-License-Identifier: LGPL-3.0-or-later"
SOURCE_SUFFIXES = {".py", ".sh", ".yaml", ".yml", ".toml", ".sql", ".j2", ".html", ".css", ".js"}


def source_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    files = [ROOT / name for name in listed]
    return [f for f in files if f.is_file() and (f.suffix in SOURCE_SUFFIXES or
                                                  f.relative_to(ROOT).as_posix() == ".ci/run")]


def test_there_are_source_files_to_check():
    names = {f.relative_to(ROOT).as_posix() for f in source_files()}
    assert "tooling/ispyb_schema/__init__.py" in names
    assert ".ci/run" in names


def test_every_source_file_has_the_spdx_line():
    missing = [
        str(f.relative_to(ROOT)) for f in source_files()
        if SPDX not in "\n".join(f.read_text(encoding="utf-8", errors="replace").splitlines()[:3])
    ]
    assert not missing, f"files without '{SPDX}' in their first three lines: {missing}"


def test_licence_file_holds_lgpl_and_gpl_texts():
    text = (ROOT / "LICENSE.LGPL").read_text(encoding="utf-8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    assert "GNU GENERAL PUBLIC LICENSE" in text and "TERMS AND CONDITIONS" in text
