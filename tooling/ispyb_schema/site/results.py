# SPDX-License-Identifier: LGPL-3.0-or-later
"""Lint findings, conflicts and verification records -> the site's view-model.

Lint runs here, without a database (it takes a second); verification needs a server, so the
site shows the newest verification record in ``results/`` that was made against the same
baseline (same model fingerprint), or the record it is handed.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..changeset.plan import fingerprint
from ..changeset.validate import Validation
from ..lint.conflicts import Portfolio
from ..lint.context import LintContext
from ..lint.impact import ImpactIndex, object_uses
from ..lint.run import lint_proposals
from ..model import Schema
from .viewmodel import (
    Conflict,
    ImpactItem,
    LintFinding,
    RowCount,
    Verification,
    VerificationStep,
)

RECORD_FORMAT = "ispyb-schema/verify-result/1"


def lint_sections(validation: Validation, baseline: Schema, label: str, root: Path,
                  impact: ImpactIndex | None = None
                  ) -> dict[str, tuple[tuple[LintFinding, ...], tuple[Conflict, ...]]]:
    """Per proposal id: its unsuppressed lint findings (with ``impact``: the baseline's
    routines and grants, those of ISP6xx too) and its conflicts with open proposals."""
    portfolio = Portfolio(validation, {label: baseline})
    report = lint_proposals(validation, portfolio=portfolio, impact=impact)
    out = {}
    for pid, result in report.results.items():
        findings = tuple(
            LintFinding(f.code, f.severity, f.message, _relative(f.loc, root))
            for f in result.findings if not f.suppressed)
        conflicts = tuple(Conflict(c.other, _conflict_text(c)) for c in portfolio.conflicts(pid))
        out[pid] = (findings, conflicts)
    return out


def _conflict_text(conflict) -> str:
    """What the page says of a conflict, naming the proposal at fault."""
    both = f"both change {', '.join(conflict.names)}: {conflict.why}"
    if conflict.through:
        return f"through its dependency {conflict.through}, which {both}"
    if conflict.dependents:
        return f"{both} (so {', '.join(conflict.dependents)}, which depend on it, fail too)"
    return both


def impact_sections(validation: Validation, impact: ImpactIndex | None, root: Path
                    ) -> dict[str, tuple[ImpactItem, ...]]:
    """Per proposal id: the routines, views and triggers that use what it drops, renames or
    changes (with their lines), and what each role loses. Empty without routines and grants
    (the page then says the baseline has none)."""
    if impact is None:
        return {}
    out = {}
    for pid in validation.order:
        walk = validation.walks.get(pid)
        if walk is None or walk.diagnostics:
            continue
        ctx = LintContext.build(walk)
        items = [ImpactItem(kind, name, detail) for kind, name, detail in
                 object_uses(impact.hits(ctx), lambda f: _shown(f, root))]
        items += [ImpactItem("role", loss.role,
                             f"loses {', '.join(loss.privileges)} on {loss.on}"
                             f"{f' (through role {loss.via})' if loss.via else ''}: {loss.why} "
                             f"({_shown(loss.grant.file, root)}:{loss.grant.line})")
                  for loss in impact.losses(ctx)]
        out[pid] = tuple(items)
    return out


def impact_searched(impact: ImpactIndex | None, root: Path) -> str:
    """What the impact analysis read, for the pages: files and how many objects."""
    if impact is None:
        return ""
    routines = len(impact.routines)
    views = len(impact.objects) - routines
    roles = len(impact.roles())
    files = ", ".join(_shown(s, root) for s in impact.sources)
    return (f"{routines} routines and triggers, {views} views and the grants of {roles} roles "
            f"({files})")


def _shown(file: str | None, root: Path) -> str:
    if not file or "://" in file or file.startswith("the "):
        return file or "the live database"
    path = Path(file).resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else \
        "/".join(path.parts[-2:]) if path.parent.name == "grants" else path.name


def _relative(loc, root: Path) -> str:
    if loc is None:
        return ""
    path = Path(loc.file).resolve()
    name = path.relative_to(root) if path.is_relative_to(root) else path.name
    return f"{name}:{loc.line}:{loc.column}"


def latest_record(root: Path, baseline: Schema) -> dict | None:
    """The newest ``results/verify-*.json`` made against ``baseline``, if any."""
    wanted = fingerprint(baseline)
    for path in sorted((root / "results").glob("verify-*.json"), reverse=True):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if record.get("format") == RECORD_FORMAT and \
                record.get("baseline", {}).get("fingerprint") == wanted:
            return record
    return None


def verifications(record: dict | None) -> dict[str, Verification]:
    """Per proposal id, its own run of the record (the run of all proposals is left out)."""
    if not record:
        return {}
    label = _server_label(record.get("server", {}))
    out = {}
    for run in record.get("runs", []):
        if run.get("file") is None:  # the run of all proposals together
            continue
        steps = tuple(VerificationStep(s["name"], s["ok"], s.get("seconds"),
                                       s.get("error") or _cluster_figures(s))
                      for s in run.get("steps", []))
        out[run["proposal"]] = Verification(run["ok"], record.get("started", ""), label, steps,
                                            _row_counts(run))
    return out


def _server_label(server: dict) -> str:
    version = f"MariaDB {server.get('version', '?')}"
    if server.get("kind") == "galera":
        return (f"a {server.get('nodes', '?')}-node Galera cluster ({version}, Galera "
                f"{server.get('provider_version', '?')})")
    return f"{version} ({server.get('kind', '?')})"


def _cluster_figures(step: dict) -> str:
    """On a Galera cluster: the longest stalls of the other nodes and the largest write-set
    of a forward or rollback script, each with the statement that caused it."""
    measured = [s for s in step.get("details", {}).get("statements", [])
                if "cluster_write_stall_seconds" in s]
    if not measured:
        return ""
    parts = []
    for key, what in (("cluster_write_stall_seconds", "writes on node 2 stalled"),
                      ("cluster_read_stall_seconds", "reads on node 3 stalled")):
        worst = max(measured, key=lambda s: s[key])
        parts.append(f"{what} up to {worst[key]:.2f} s (statement {worst['index']}, "
                     f"{worst.get('wsrep_mode', '?')})")
    largest = max(measured, key=lambda s: s.get("write_set_bytes", 0))
    parts.append(f"largest write-set {largest.get('write_set_bytes', 0):,} bytes in "
                 f"{largest.get('write_sets', 0)} (statement {largest['index']})")
    toi = sum(s.get("wsrep_mode") == "TOI" for s in measured)
    return f"cluster: {'; '.join(parts)}; {toi} of {len(measured)} statements under TOI"


def _row_counts(run: dict) -> tuple[RowCount, ...]:
    data = next((s for s in run.get("steps", []) if s["name"] == "data"), None)
    rows = (data or {}).get("details", {}).get("rows", {})
    return tuple(RowCount(table, before, after) for table, (before, after) in sorted(rows.items()))
