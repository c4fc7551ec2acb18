# SPDX-License-Identifier: LGPL-3.0-or-later
"""SQL scripts as text: split into statements, and comments blanked — one lexer for the
harness's script loader and the routines reader.

Statements end at the delimiter (``;`` until a ``DELIMITER`` line changes it, as mariadb-dump
writes around routines and triggers); quoted strings and comments may hold delimiters.
Executable comments (``/*!50001 … */``) are code: the server runs their content.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

# One lexical token of MariaDB SQL.
_TOKEN = re.compile(
    r"""
      (?P<quoted> '(?:[^'\\]|\\.|'')*' | "(?:[^"\\]|\\.|"")*" | `(?:[^`]|``)*` )
    | (?P<executable> /\*M?!\d* )
    | (?P<comment> /\*.*?\*/ | --(?=\s|$)[^\n]* | \#[^\n]* )
    | (?P<close> \*/ )
    | (?P<space> \s+ )
    | (?P<code> [^'"`/*\-\#;\s]+ | . )
    """,
    re.VERBOSE | re.DOTALL,
)
_DELIMITER_LINE = re.compile(r"[ \t]*DELIMITER[ \t]+(\S+)[ \t]*(?:\n|$)", re.IGNORECASE)


def split_statements(text: str) -> Iterator[tuple[int, str]]:
    """``(line, statement)`` for each statement; ``line`` is where its first token is.
    Pieces holding only comments and space are skipped; ``DELIMITER`` lines are followed."""
    delimiter, first, pos, n = ";", None, 0, len(text)
    lines = _LineCounter(text)
    while pos < n:
        if first is None:  # between statements: a DELIMITER line may come
            line_start = text.rfind("\n", 0, pos) + 1
            blank = not text[line_start:pos].strip()
            change = blank and _DELIMITER_LINE.match(text, line_start)
            if change:
                delimiter, pos = change.group(1), change.end()
                continue
        token = _TOKEN.match(text, pos)
        kind, end = token.lastgroup, token.end()
        # a delimiter that starts in this code token ends the statement ("END$$", ";")
        hit = text.find(delimiter, pos, end + len(delimiter) - 1) if kind == "code" else -1
        if hit >= 0:
            begin = first if first is not None else (pos if hit > pos else None)
            if begin is not None:
                yield lines.at(begin), text[begin:hit].rstrip()
            first, pos = None, hit + len(delimiter)
            continue
        if kind not in ("space", "comment") and first is None:
            first = pos
        pos = end
    if first is not None and text[first:].strip():
        yield lines.at(first), text[first:].rstrip()


def blank_comments(text: str) -> str:
    """``text`` with comments and the markers of executable comments replaced by spaces
    (their content kept), so every character stays on its line and column."""
    out, depth = list(text), 0
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if kind == "executable":
            depth += 1
        elif kind == "close" and depth:
            depth -= 1
        elif kind != "comment":
            continue
        out[token.start():token.end()] = [c if c == "\n" else " " for c in token.group()]
    return "".join(out)


class _LineCounter:
    """Line numbers of increasing offsets, counted once through the text."""

    def __init__(self, text: str) -> None:
        self.text, self.line, self.offset = text, 1, 0

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line
