# SPDX-License-Identifier: LGPL-3.0-or-later
"""Proposal YAML -> :class:`Proposal`, in two layers: the JSON Schema, then building the
operations. Every problem is collected with its file, line and column; a file with any
problem yields no proposal.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import yaml

from ..errors import Diagnostic, InputError, SourceLoc
from ..yamlsrc import parse_yaml
from .assertions import assertion_from_yaml
from .facts import facts_from_yaml
from .operations import REGISTRY, DataLoss, Operation, Where
from .proposal import Author, Decision, Meeting, Proposal
from .schema_errors import schema_diagnostics

COMMON_KEYS = ("note", "data_loss", "rollback")


def load_proposal(path: str | Path) -> Proposal:
    """Load one proposal file; raises InputError with every problem found in it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError.single(SourceLoc(str(path)), f"cannot read file: {err}", "E001") from None
    data, locator = _parse(text, str(path))
    problems = _plain_keys(data, locator, ())
    if not problems:
        problems = schema_diagnostics(data, locator)
    if problems:
        raise InputError(problems)
    root = Where(locator)
    steps = build_steps(data["steps"], root.below("steps"), problems)
    assertions = tuple(assertion_from_yaml(a, root.below("assertions", i), i)
                       for i, a in enumerate(data.get("assertions", [])))
    if problems:
        raise InputError(problems)
    return Proposal(
        id=data["id"], title=data["title"], status=data["status"],
        authors=tuple(Author(a["name"], a["affiliation"], a.get("role", "contributor"))
                      for a in data["authors"]),
        created=data["created"], steps=steps, file=str(path), where=root,
        last_discussed=data.get("last_discussed"),
        meetings=tuple(Meeting(m["date"], m["name"], m.get("minutes", ""))
                       for m in data.get("meetings", [])),
        proposed_for=_meeting(data.get("proposed_for")),
        decisions=tuple(Decision(d["date"], d["decision"]) for d in data.get("decisions", [])),
        motivation=data.get("motivation", ""), discussion=data.get("discussion", ""),
        depends_on=tuple(data.get("depends_on", ())), supersedes=tuple(data.get("supersedes", ())),
        assertions=assertions, facts=facts_from_yaml(data.get("facts", []), root))


def _meeting(data: dict | None) -> Meeting | None:
    return Meeting(data["date"], data["name"]) if data else None


def _parse(text: str, file: str):
    try:
        return parse_yaml(text, file)
    except ValueError as err:  # an impossible date such as 2019-13-45
        raise InputError.single(_bad_timestamp(text, file), f"invalid date: {err}",
                                "E001") from None


def _bad_timestamp(text: str, file: str) -> SourceLoc:
    constructor = yaml.constructor.SafeConstructor()
    todo = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            todo += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value
        elif node is not None and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                constructor.construct_yaml_timestamp(node)
            except ValueError:
                return SourceLoc(file, node.start_mark.line + 1, node.start_mark.column + 1)
    return SourceLoc(file)


def _plain_keys(data, locator, path) -> list[Diagnostic]:
    """Dates become 'YYYY-MM-DD' text (in place); keys YAML read as booleans or numbers are
    reported, since the schema cannot see them."""
    problems: list[Diagnostic] = []
    if isinstance(data, dict):
        for key in list(data):
            if not isinstance(key, str):
                problems.append(Diagnostic(locator.loc(path + (key,), key=True),
                                           f"key {key!r} is not text (YAML reads yes/no/on/off "
                                           "and numbers specially); quote it", "E013"))
                continue
            data[key] = _date_text(data[key])
            problems += _plain_keys(data[key], locator, path + (key,))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            data[i] = _date_text(item)
            problems += _plain_keys(data[i], locator, path + (i,))
    return problems


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
