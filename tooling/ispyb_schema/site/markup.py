# SPDX-License-Identifier: LGPL-3.0-or-later
"""Markdown text helpers for the templates: escaping, code spans, fences, slugs."""
from __future__ import annotations

import re
from html import escape

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#!])")
_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.M)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})", re.M)


def cell(text: object) -> str:
    """Plain text that stays plain inside a Markdown table cell or paragraph."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", escape(flat, quote=False))


def inline(markdown: str) -> str:
    """Author-written Markdown on one line, safe inside a table cell."""
    return " ".join(markdown.split()).replace("|", "\\|")


def code(text: object) -> str:
    """An inline code span that survives backticks and pipes in ``text``."""
    flat = " ".join(str(text).split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def fence(text: str) -> str:
    """A code fence longer than any fence inside ``text``."""
    longest = max((len(m) for m in re.findall(r"^\s*(`{3,})", text, re.M)), default=2)
    return "`" * (longest + 1)


def demote_headings(markdown: str, levels: int = 2) -> str:
    """Push the headings of author-written Markdown below the page's own (outside fences)."""
    out, in_fence = [], False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        out.append(line if in_fence else _HEADING.sub(
            lambda m: "#" * min(len(m[1]) + levels, 6), line))
    return "\n".join(out)


def slug(name: str) -> str:
    """A file name for a proposal id or table name: letters, digits, ``._-`` kept."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "unnamed"


def natural_key(name: str) -> list:
    """Case-insensitive natural order: ``BeamCalendar`` before ``BLSample``, ``t2`` before
    ``t10``."""
    return [int(part) if part.isdigit() else part.casefold()
            for part in re.split(r"(\d+)", name)]


def soft(text: object) -> str:
    """Long tokens (an enum's value list, Table.column, key_names) made breakable after ',', '.' and '_' with
    a zero-width space, so a narrow table wraps there instead of inside a word."""
    return re.sub(r"([,._])(?=\S)", "\\1\u200b", str(text))
