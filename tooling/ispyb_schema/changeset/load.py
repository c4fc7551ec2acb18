# SPDX-License-Identifier: LGPL-3.0-or-later
"""Proposal YAML -> :class:`Proposal`, in two layers: the JSON Schema, then building the
operations. Every problem is collected with its file, line and column; a file with any
problem yields no proposal.
"""
from __future__ import annotations

import datetime
from pathlib import Path

from ..errors import Diagnostic, InputError
from ..yamlsrc import parse_yaml, read_source
from .assertions import assertion_from_yaml
from .facts import facts_from_yaml
from .operations import REGISTRY, DataLoss, Operation, Where
from .proposal import Author, Decision, Meeting, Proposal
from .schema_errors import schema_check

COMMON_KEYS = ("note", "data_loss", "rollback")


def load_proposal(path: str | Path) -> Proposal:
    """Load one proposal file; raises InputError with every problem found in it."""
    proposal, problems = read_proposal(path)
    if problems:
        raise InputError(problems)
    return proposal


def read_proposal(path: str | Path) -> tuple[Proposal | None, list[Diagnostic]]:
    """One proposal file and every problem in it, of every layer. When the JSON Schema layer
    finds problems, the proposal returned (if its id and steps could be read) holds the steps
    before the first broken one, so the semantic layer can check what parsed."""
    path = Path(path)
    try:
        data, locator = parse_yaml(read_source(path), str(path))
    except InputError as err:
        return None, err.diagnostics
    problems = _plain_keys(data, locator, ())
    if problems:
        return None, problems
    problems, broken = schema_check(data, locator)
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or \
            ("id",) in broken or not isinstance(data.get("id"), str) or ("steps",) in broken:
        return None, problems
    whole = not problems
    root = Where(locator)
    stop = min([u[1] for u in broken if u[0] == "steps" and len(u) > 1] + [len(data["steps"])])
    steps: list[Operation] = []
    for i, item in enumerate(data["steps"][:stop]):
        found: list[Diagnostic] = []
        step = build_step(item, root.below("steps", i), found)
        problems += found
        if found or step is None:
            break  # later steps may build on this one
        steps.append(step)
    assertions: tuple = ()
    if whole and not problems:
        assertions = tuple(assertion_from_yaml(a, root.below("assertions", i), i)
                           for i, a in enumerate(data.get("assertions", [])))
    return _proposal(data, broken, tuple(steps), assertions, path, root), problems


def _proposal(data: dict, broken: set, steps, assertions, path: Path, root: Where) -> Proposal:
    """The proposal, with defaults in place of metadata the schema layer refused."""
    def get(key, default=None):
        return default if (key,) in broken else data.get(key, default)
    text = lambda key: get(key, "") if isinstance(get(key, ""), str) else ""  # noqa: E731
    return Proposal(
        id=data["id"], title=text("title"), status=text("status") or "draft",
        authors=tuple(Author(a["name"], a["affiliation"], a.get("role", "contributor"))
                      for a in get("authors", [])),
        created=text("created"), steps=steps, file=str(path), where=root,
        last_discussed=get("last_discussed"),
        meetings=tuple(Meeting(m["date"], m["name"], m.get("minutes", ""))
                       for m in get("meetings", [])),
        proposed_for=_meeting(get("proposed_for")),
        decisions=tuple(Decision(d["date"], d["decision"]) for d in get("decisions", [])),
        motivation=text("motivation"), discussion=text("discussion"),
        depends_on=tuple(get("depends_on", ())), supersedes=tuple(get("supersedes", ())),
        assertions=assertions, facts=facts_from_yaml(get("facts", []), root))


def _meeting(data: dict | None) -> Meeting | None:
    return Meeting(data["date"], data["name"]) if data else None


def _plain_keys(data, locator, path) -> list[Diagnostic]:
    """Dates become 'YYYY-MM-DD' text (in place); keys YAML read as booleans or numbers are
    reported, since the schema cannot see them. Iterative: any depth the loader let through."""
    problems: list[Diagnostic] = []
    todo = [(data, path)]
    while todo:
        data, path = todo.pop()
        if isinstance(data, dict):
            for key in list(data):
                if not isinstance(key, str):
                    problems.append(Diagnostic(locator.loc(path + (key,), key=True),
                                               f"key {key!r} is not text (YAML reads "
                                               "yes/no/on/off and numbers specially); quote it",
                                               "E013"))
                    continue
                data[key] = _date_text(data[key])
                todo.append((data[key], path + (key,)))
        elif isinstance(data, list):
            for i, item in enumerate(data):
                data[i] = _date_text(item)
                todo.append((data[i], path + (i,)))
    return sorted(problems, key=lambda d: (d.loc.line, d.loc.column) if d.loc else (0, 0))


def _date_text(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def build_steps(items: list, where: Where, problems: list[Diagnostic]) -> tuple[Operation, ...]:
    """Steps from their (schema-valid) YAML list; problems are appended to ``problems``."""
    ops = [build_step(item, where.below(i), problems) for i, item in enumerate(items)]
    return tuple(op for op in ops if op is not None)


def build_step(item: dict, where: Where, problems: list[Diagnostic]) -> Operation | None:
    key, body = next(iter(item.items()))
    cls, here = REGISTRY[key], where.below(key)
    body = dict(body)
    common: dict = {}
    if "note" in body:
        common["note"] = body.pop("note")
    if "data_loss" in body:
        common["data_loss"] = DataLoss(body.pop("data_loss")["reason"])
    if "effect" in body:
        body["effect"] = build_steps(body["effect"], here.below("effect"), problems)
    body.pop("schema_effect", None)
    if key != "sql" and "rollback" in body:
        common["rollback"] = build_steps(body.pop("rollback"), here.below("rollback"), problems)
    fields = cls.fields_from_yaml(body, here, problems)
    if fields is None:
        return None
    return cls(where=here, **common, **fields)
