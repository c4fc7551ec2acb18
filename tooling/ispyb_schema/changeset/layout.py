# SPDX-License-Identifier: LGPL-3.0-or-later
"""SQL laid out for review: long statements broken into clauses (one column, one join, one
assignment per line) and short step comments (``steps 7–24 (drop_column ×13, rename_column
×5)``). Only whitespace between tokens changes; the same input gives the same bytes.
"""
from __future__ import annotations

import re
from collections import Counter

from sqlglot.errors import TokenError

WIDTH = 100  # statements up to this length stay on one line
# Top-level tokens that start a line of their own (a join with its LEFT/INNER/… words).
_CLAUSES = {"FROM", "WHERE", "SET", "GROUP_BY", "ORDER_BY", "HAVING", "LIMIT", "UNION",
            "VALUES", "SELECT", "JOIN", "STRAIGHT_JOIN"}
_LISTS = {"SELECT", "SET", "VALUES"}  # clauses whose top-level items get a line each
_JOIN_WORDS = {"LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "NATURAL", "FULL"}
_LABEL = re.compile(r"(undo )?step (\d+) \(([a-z_]+)\)")


def laid_out(sql: str) -> str:
    """``sql`` (one statement) with a line per clause and per top-level list item, when it
    is longer than :data:`WIDTH`; as it is otherwise, or when it does not tokenize."""
    if len(sql) <= WIDTH or "\n" in sql:
        return sql
    from .sqlcheck import dialect

    try:
        tokens = dialect()().tokenize(sql)
    except TokenError:
        return sql
    cuts: dict[int, str] = {}  # offset -> what replaces the blanks there
    depth, clause = 0, tokens[0].token_type.name
    for i, token in enumerate(tokens):
        kind = token.token_type.name
        depth += (kind == "L_PAREN") - (kind == "R_PAREN")
        if depth or i < 2:  # DELETE FROM … stays together
            continue
        if kind in _CLAUSES:
            start, clause = i, kind
            while start > 1 and tokens[start - 1].token_type.name in _JOIN_WORDS:
                start -= 1
            cuts[tokens[start].start] = "\n"
        elif kind == "COMMA" and clause in _LISTS:
            cuts[token.end + 1] = "\n  "
    out, last = [], 0
    for offset in sorted(cuts):
        out.append(sql[last:offset].rstrip(" ") + cuts[offset])
        last = offset + len(sql[offset:]) - len(sql[offset:].lstrip(" "))
    return "".join(out) + sql[last:]


def step_comment(labels) -> str:
    """What the comment over a statement says: its steps' labels, or for more than two steps
    of one walk the numbers as ranges and the kinds counted."""
    labels = list(labels)
    found = [_LABEL.fullmatch(label) for label in labels]
    if len(labels) <= 2 or not all(found) or len({m[1] for m in found}) > 1:
        return ", ".join(labels)
    numbers = sorted({int(m[2]) for m in found})
    runs, start = [], numbers[0]
    for number, following in zip(numbers, numbers[1:] + [None]):
        if following != number + 1:
            runs.append(str(start) if start == number else f"{start}–{number}")
            start = following
    kinds = Counter(m[3] for m in found)
    what = ", ".join(k if n == 1 else f"{k} ×{n}" for k, n in kinds.items())
    return f"{found[0][1] or ''}steps {', '.join(runs)} ({what})"
