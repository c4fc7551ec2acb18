# SPDX-License-Identifier: LGPL-3.0-or-later
"""Which proposals the gate looks at: those given, every proposal of the project, or those
changed since a git ref (committed, staged, unstaged or new) and the proposals that depend
on them."""
from __future__ import annotations

import subprocess
from pathlib import Path

from ..changeset.load import load_proposal
from ..errors import EnvironmentProblem, InputError, SourceLoc

SUFFIXES = (".yaml", ".yml")


def _git(root: Path, *args: str) -> list[str]:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except OSError as err:
        raise EnvironmentProblem(f"cannot run git: {err}") from None
    if done.returncode:
        raise InputError.single(SourceLoc(str(root)), f"git {' '.join(args)}: "
                                                      f"{done.stderr.strip()}")
    return [line for line in done.stdout.splitlines() if line]


def changed_since(ref: str, root: Path, folder: Path) -> list[Path]:
    """The proposal files under ``folder`` that differ from the merge base of ``ref`` and
    HEAD, plus new untracked ones; deleted files are left out."""
    base = _git(root, "merge-base", ref, "HEAD")[0]
    inside = str(folder.resolve().relative_to(root.resolve()))
    names = _git(root, "diff", "--name-only", "--diff-filter=d", base, "--", inside)
    names += _git(root, "ls-files", "--others", "--exclude-standard", "--", inside)
    top = Path(_git(root, "rev-parse", "--show-toplevel")[0])
    return sorted({top / n for n in names if n.endswith(SUFFIXES) and (top / n).is_file()})


def with_dependents(changed: list[Path], everything: list[Path]) -> list[Path]:
    """``changed`` plus every proposal of ``everything`` that depends on a changed one,
    directly or not (a proposal's id is its file name)."""
    direct = {}
    for path in everything:
        try:
            direct[path.stem] = set(load_proposal(path).depends_on)
        except InputError:  # reported when it is validated
            direct[path.stem] = set()
    affected = {p.stem for p in changed}
    grown = True
    while grown:
        more = {pid for pid, deps in direct.items() if deps & affected} - affected
        affected |= more
        grown = bool(more)
    return sorted(set(changed) | {p for p in everything if p.stem in affected})
