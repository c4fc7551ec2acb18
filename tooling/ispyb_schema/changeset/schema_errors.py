# SPDX-License-Identifier: LGPL-3.0-or-later
"""JSON-Schema errors, rewritten as one precise sentence at the right YAML line and column.

Per step (and per assertion) only the most telling error is kept: a typo in a key gives
"unknown key 'colum'; did you mean 'column'?" at that key, not the twenty alternatives a
``oneOf`` would list.
"""
from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..errors import Diagnostic

IDENTIFIER_RULE = ("letters, digits and _ only, not starting with a digit, at most 64 "
                   "characters")
_JSON_TYPES = {"string": "text", "object": "a mapping", "array": "a list", "boolean": "true "
               "or false", "integer": "a whole number", "number": "a number", "null": "nothing"}
_KIND_RANK = {"additionalProperties": 4, "propertyNames": 4, "maxProperties": 4, "type": 3,
              "enum": 3, "const": 3, "pattern": 3, "maxLength": 3, "minLength": 3, "not": 3,
              "minItems": 2, "uniqueItems": 2, "minProperties": 2, "required": 1}


@lru_cache(maxsize=1)
def proposal_schema() -> dict:
    text = resources.files("ispyb_schema.changeset").joinpath("proposal.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    return Draft202012Validator(proposal_schema())


def schema_diagnostics(data, locator) -> list[Diagnostic]:
    """Every unit (a step, an assertion, a metadata key) with its best error."""
    return schema_check(data, locator)[0]


def schema_check(data, locator) -> tuple[list[Diagnostic], set[tuple]]:
    """The diagnostics, and the units that have them: ``("steps", i)``, ``("assertions", i)``,
    ``(key,)`` for a metadata key, ``("root", …)`` for the document as a whole."""
    units: dict[tuple, list[ValidationError]] = {}
    for error in validator().iter_errors(data):
        path = tuple(error.absolute_path)
        unit = path[:2] if path[:1] in (("steps",), ("assertions",)) else path[:1]
        if not path and error.validator in ("required", "additionalProperties"):
            unit = ("root", error.validator, len(units))  # each root problem on its own
        units.setdefault(unit, []).append(error)
    diagnostics = [_diagnostic(_best(errors), locator) for errors in units.values()]
    return sorted(diagnostics, key=lambda d: (d.loc.line, d.loc.column) if d.loc else (0, 0)), \
        set(units)


def _rank(error: ValidationError) -> tuple:
    return (_KIND_RANK.get(error.validator, 0), len(error.absolute_path))


def _best(errors: list[ValidationError]) -> ValidationError:
    best = max(errors, key=_rank)
    while best.validator in ("oneOf", "anyOf") and best.context and not _only_required(best):
        best = max(best.context, key=_rank)
    return best


def _only_required(error: ValidationError) -> bool:
    return all(set(branch) == {"required"} for branch in error.validator_value)


def _name(path: tuple) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return "the proposal"


def _what(path: tuple) -> str:
    if path and isinstance(path[-1], int):
        return f"item {path[-1] + 1} of {_name(path[:-1])!r}"
    return repr(_name(path))


def _yaml_type(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as booleans; quote it)"
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _pattern(definition: str) -> str:
    return proposal_schema()["$defs"][definition]["pattern"]


def _short(value) -> str:
    return repr(value) if len(str(value)) <= 40 else repr(str(value)[:40]) + "…"


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _diagnostic(error: ValidationError, locator) -> Diagnostic:
    path = tuple(error.absolute_path)
    loc = locator.loc(path)
    kind, value, schema = error.validator, error.instance, error.schema
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        return Diagnostic(locator.loc(path + (extra[0],), key=True),
                          f"unknown key {extra[0]!r} in {_name(path)}"
                          f"{_did_you_mean(extra[0], allowed)} (allowed: {', '.join(allowed)})",
                          "E011")
    if "propertyNames" in error.absolute_schema_path:
        loc = locator.loc(path + (value,), key=True)
        options = schema.get("enum")
        if options:
            return Diagnostic(loc, f"unknown operation {value!r}"
                                   f"{_did_you_mean(value, options)} (operations: "
                                   f"{', '.join(options)})", "E015")
        return Diagnostic(loc, f"{_short(value)} is not a valid identifier: {IDENTIFIER_RULE}",
                          "E018")
    if kind == "maxProperties":
        return Diagnostic(loc, f"a step holds one operation, found {len(value)}: "
                               f"{', '.join(value)}; start each with its own '- '", "E014")
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return Diagnostic(loc, f"missing required key {missing[0]!r} in {_name(path)}", "E012")
    if kind in ("oneOf", "anyOf"):
        keys = [", ".join(b["required"]) for b in error.validator_value]
        exactly = "exactly one" if kind == "oneOf" else "at least one"
        return Diagnostic(loc, f"{_name(path)} needs {exactly} of: {' | '.join(keys)}", "E012")
    if kind == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        if "enum" in schema.get("propertyNames", {}):
            return Diagnostic(loc, "a step is a mapping like '- add_column: {table: …, …}', "
                                   f"got {_yaml_type(value)}", "E013")
        expected = " or ".join(_JSON_TYPES.get(w, w) for w in wanted)
        return Diagnostic(loc, f"{_what(path)} must be {expected}, got {_yaml_type(value)}",
                          "E013")
    if kind in ("pattern", "maxLength") and schema.get("pattern") == _pattern("identifier"):
        return Diagnostic(loc, f"{_short(value)} is not a valid identifier for {_what(path)}: "
                               f"{IDENTIFIER_RULE}", "E018")
    if kind in ("pattern", "maxLength") and schema.get("pattern") == _pattern("proposal_id"):
        return Diagnostic(loc, f"{_short(value)} is not a valid proposal id: letters, digits, "
                               "_ and - only, at most 80 characters", "E018")
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        return Diagnostic(loc, f"{value!r} is not allowed for {_what(path)}; expected one of: "
                               f"{', '.join(options)}{_did_you_mean(str(value), options)}", "E014")
    if kind == "const":
        return Diagnostic(loc, f"{_what(path)} must be {json.dumps(error.validator_value)}, got "
                               f"{_yaml_type(value)}", "E014")
    if kind == "not":
        return Diagnostic(loc, f"{_name(path)}: {schema['not'].get('description', 'not allowed')}",
                          "E014")
    if kind == "pattern":
        return Diagnostic(loc, f"{value!r} does not fit {_what(path)}: "
                               f"{schema.get('description', schema['pattern'])}", "E014")
    return Diagnostic(loc, f"{_what(path)}: {error.message}", "E014")
