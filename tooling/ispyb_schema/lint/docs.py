# SPDX-License-Identifier: LGPL-3.0-or-later
"""One markdown page per rule, from its registration and docstring (published by the review
site under ``docs/generated/rules/``)."""
from __future__ import annotations

from . import rules  # noqa: F401  (registers the rules)
from .registry import RULES, Rule


def rule_page(rule: Rule) -> str:
    return "\n".join([
        f"# {rule.code} {rule.name}",
        "",
        f"**Severity:** {rule.severity} · **Band:** {rule.code[3]}xx, {rule.band}",
        "",
        f"*{rule.summary[:1].upper()}{rule.summary[1:]}.*",
        "",
        rule.doc,
        "",
        "## Suppressing it",
        "",
        "When the finding does not apply, say why in the proposal, on a line of its own:",
        "",
        "```yaml",
        f"# lint-ignore {rule.code}: <the reason reviewers will read>",
        "```",
        "",
    ])


def rule_pages() -> dict[str, str]:
    """``{code: markdown}`` for every registered rule, in code order."""
    return {code: rule_page(RULES[code]) for code in sorted(RULES)}
