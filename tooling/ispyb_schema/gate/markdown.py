# SPDX-License-Identifier: LGPL-3.0-or-later
"""A markdown summary for a pull-request comment or a CI job summary."""
from __future__ import annotations

from pathlib import Path

from .result import CHECKS, GateFinding, GateResult

_MARK = {"passed": "✅", "failed": "❌", "skipped": "➖", "unavailable": "➖"}


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("|", "\\|")


def _where(finding: GateFinding, root: Path) -> str:
    if not finding.loc:
        return ""
    try:
        file = Path(finding.loc.file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        file = finding.loc.file
    return f"`{file}:{finding.loc.line}` "


def _cell(gate: GateResult, proposal: str, check: str) -> str:
    result = gate.status(proposal, check)
    if result is None:
        return ""
    counts = {level: sum(f.level == level and not f.suppressed for f in result.findings)
              for level in ("warning", "notice")}
    extra = ", ".join(f"{n} {level}{'s' if n > 1 else ''}" for level, n in counts.items() if n)
    return f"{_MARK[result.status]} {result.status}" + (f" ({extra})" if extra else "")


def _items(findings: list[GateFinding], root: Path) -> list[str]:
    return [f"- {_where(f, root)}**{f.code}** {_text(f.message)}"
            + (f" _(suppressed: {_text(f.suppressed)})_" if f.suppressed else "")
            for f in findings]


def to_markdown(gate: GateResult, root: Path) -> str:
    counts = gate.counts()
    verdict = "✅ passed" if gate.ok else "❌ failed"
    lines = [f"## ispyb-schema check {verdict}", "",
             f"{counts['error']} errors, {counts['warning']} warnings, {counts['notice']} "
             "notices.", ""]
    if gate.results:
        lines += ["| proposal | " + " | ".join(CHECKS) + " |",
                  "| --- |" + " --- |" * len(CHECKS)]
        lines += [f"| `{p}` | " + " | ".join(_cell(gate, p, c) for c in CHECKS) + " |"
                  for p in gate.proposals()]
        lines.append("")
    findings = gate.findings
    for title, level in (("Errors", "error"), ("Warnings", "warning")):
        chosen = [f for f in findings if f.level == level]
        if chosen:
            lines += [f"### {title}", "", *_items(chosen, root), ""]
    notices = [f for f in findings if f.level == "notice"]
    if notices:
        lines += ["<details><summary>" + f"{len(notices)} notices</summary>", "",
                  *_items(notices, root), "", "</details>", ""]
    if gate.train:
        lines += ["**Release train** (the accepted proposals, in order): "
                  + " → ".join(f"`{p}`" for p in gate.train), ""]
    lines += [f"_{_text(note)}_" for note in gate.notes]
    return "\n".join(lines).rstrip() + "\n"
