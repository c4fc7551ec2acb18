# SPDX-License-Identifier: LGPL-3.0-or-later
"""A proposal at a glance: the summary that opens its page, so that the first screen of a web
meeting answers "what changes, what is lost, what is risky, does it work, how long"."""
from __future__ import annotations

from .markup import code
from .tablediff import TableChange
from .viewmodel import LintFinding, ProposalPage

NAMES_SHOWN = 4
SEVERITY = {"error": 0, "warning": 1, "notice": 2}


def _names(names: list[str]) -> str:
    shown = ", ".join(code(n) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _counted(groups: list[tuple[str, list[str]]]) -> str:
    parts = [f"{len(names)} {what} ({_names(names)})" for what, names in groups if names]
    return "<br>".join(parts) or "none"


def table_line(tables: tuple[TableChange, ...]) -> str:
    by = {s: [t for t in tables if t.status == s] for s in
          ("added", "removed", "renamed", "changed")}
    return _counted([("added", [t.name for t in by["added"]]),
                     ("removed", [t.name for t in by["removed"]]),
                     ("renamed", [f"{t.old_name} → {t.name}" for t in by["renamed"]]),
                     ("changed", [t.name for t in by["changed"]])])


def column_line(tables: tuple[TableChange, ...]) -> str:
    groups: dict[str, list[str]] = {s: [] for s in ("added", "removed", "renamed", "changed")}
    for t in tables:
        if t.status in ("added", "removed"):
            continue  # a whole table: its columns are counted with it
        for r in t.changed_rows:
            name = (f"{t.name}.{r.before_name} → {r.after_name}" if r.status == "renamed"
                    else f"{t.name}.{r.name}")
            groups[r.status].append(name)
    return _counted(list(groups.items()))


def riskiest(lint: tuple[LintFinding, ...] | None) -> LintFinding | None:
    if not lint:
        return None
    worst = min(lint, key=lambda f: SEVERITY.get(f.severity, 3))
    return None if worst.severity == "notice" else worst


def loss_line(lint: tuple[LintFinding, ...] | None) -> str:
    """What the data-loss rules (ISP1xx) found: the values a step drops."""
    if lint is None:
        return "lint not run"
    lost = [f for f in lint if f.code.startswith("ISP1")]
    if not lost:
        return "no data loss found"
    acknowledged = sum("acknowledged" in f.message for f in lost)
    return (f"{len(lost)} finding{'s' * (len(lost) != 1)} "
            f"({acknowledged} acknowledged in the proposal) — see the lint findings")


def glance(page: ProposalPage, tables: tuple[TableChange, ...], views: tuple) -> tuple:
    """(label, markdown) rows of the summary table."""
    rows = [("Tables", table_line(tables)), ("Columns", column_line(tables))]
    if views:
        rows.append(("Views", _counted([(s, [v.name for v in views if v.status == s])
                                         for s in ("added", "removed", "changed")])))
    rows.append(("Data", loss_line(page.lint)))
    risk = riskiest(page.lint)
    if risk is not None:
        message = risk.message if len(risk.message) <= 200 else risk.message[:197] + "…"
        rows.append(("Riskiest finding", f"{code(risk.code)} {risk.severity}: {message}"))
    v = page.verification
    rows.append(("Verification", "not run yet" if v is None else
                 ("passed" if v.passed else "**failed**") + (f" ({v.ran_at})" if v.ran_at
                                                              else "")))
    f = page.forecast
    rows.append(("At production size", "no forecast yet (`ispyb-schema forecast`)" if f is None
                 else f.headlines[len(f.headlines) // 2]))
    return tuple(rows)
