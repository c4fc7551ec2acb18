# SPDX-License-Identifier: LGPL-3.0-or-later
"""What ``plan --online`` and ``verify --online`` call: proposals validated, walked in
dependency order, then the online script or its rehearsal."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..baseline import baseline_label, load_schema
from ..changeset.plan import plan_script
from ..changeset.validate import validate
from ..errors import InputError, SourceLoc
from ..forecast.measure import describe_statements
from ..harness.server import Server
from ..model import Schema
from ..verify.session import in_dependency_order, make_loader
from .ptosc import DEFAULT_MIN_ROWS, render_online
from .rehearse import Rehearsal, rehearse


def _subjects(paths: list[Path], base: Schema):
    validation = validate(paths, base)
    validation.raise_if_errors()
    subjects, problems = in_dependency_order(validation, base)
    if problems:
        raise InputError.single(SourceLoc(", ".join(map(str, paths))),
                                "the proposals do not apply together: " + "; ".join(problems))
    wanted = {p.resolve() for p in paths}
    return subjects, wanted


def online_script(path: Path, base: Schema, label: str, sizes: dict[str, int] | None,
                  min_rows: int = DEFAULT_MIN_ROWS, database: str = "ispyb") -> str:
    """The forward script of the proposal at ``path`` with its online variants."""
    subjects, wanted = _subjects([path], base)
    subject = next(s for s in subjects if Path(s.proposal.file).resolve() in wanted)
    head = "\n".join(plan_script(subject.walk, label).header)
    return render_online(head, describe_statements(subject, label), sizes, min_rows, database)


def rehearse_files(paths: list[Path], baseline_source: str, fixtures: list[Path],
                   server: Server, dc_rows: int, sizes: dict[str, int] | None = None,
                   min_rows: int = DEFAULT_MIN_ROWS,
                   say: Callable[[str], None] = lambda _: None) -> list[Rehearsal]:
    """Each proposal at ``paths`` rehearsed online on its own scratch database (the
    proposals it depends on applied first, as planned)."""
    base = load_schema(baseline_source)
    subjects, wanted = _subjects(paths, base)
    label = baseline_label(baseline_source)
    loader = make_loader(baseline_source, base, fixtures)
    described = [describe_statements(s, label) for s in subjects]
    out = []
    for position, subject in enumerate(subjects):
        if Path(subject.proposal.file).resolve() not in wanted:
            continue
        out.append(rehearse(server, base, loader, described[:position], described[position],
                            subject.walk.model, subject.proposal.id, dc_rows, sizes,
                            min_rows, say))
    return out
