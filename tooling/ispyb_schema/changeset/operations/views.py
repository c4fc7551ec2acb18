# SPDX-License-Identifier: LGPL-3.0-or-later
"""Views: the definition is parsed with sqlglot, checked against the model and re-emitted."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import Diagnostic
from ...model import Schema, View
from ...render.ddl import create_view, view_session
from ...render.quote import ident
from ..sqlcheck import SqlProblem, check_query, emit, parse_select, referenced_tables
from .base import Operation, Piece, Statement, operation
from .references import view_users
from .tables import name_taken


@operation("create_view")
@dataclass(frozen=True, kw_only=True)
class CreateView(Operation):
    view: View
    verbatim: bool = False  # a view read from the model (a rollback): its definition as stored

    @classmethod
    def fields_from_yaml(cls, body, where, problems):
        options = {k: body[k] for k in ("algorithm", "security", "check_option", "comment",
                                        "definer", "client_charset", "connection_collation")
                   if k in body}
        return {"view": View(body["name"], body["definition"], **options)}

    def parsed(self):
        return parse_select(self.view.definition)

    def check(self, model: Schema) -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        taken = name_taken(model, self.view.name)
        if taken:
            problems.append(self.error("E301", f"{taken} already exists", "name"))
        try:
            node = self.parsed()
            bad = check_query(node, model)
        except SqlProblem as problem:
            bad = [problem]
        problems += [self.sql_error(("definition",), self.view.definition, p) for p in bad]
        return problems

    def clean(self) -> View:
        """The view with its definition as sqlglot re-emits it (what runs, what is stored)."""
        if self.verbatim:
            return self.view
        return replace(self.view, definition=emit(self.parsed()))

    def apply(self, model: Schema) -> Schema:
        return model.with_view(self.clean())

    def render(self, model: Schema) -> list[Piece]:
        tables = frozenset(referenced_tables(self.parsed()) | {self.view.name})
        before, after = view_session(self.view)
        return [Statement(s.rstrip(";"), tables)
                for s in [*before, create_view(self.clean()), *after]]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(DropView, name=self.view.name)]

    def creates(self, model: Schema):
        return {(self.view.name, None)}


@operation("drop_view")
@dataclass(frozen=True, kw_only=True)
class DropView(Operation):
    name: str

    def check(self, model: Schema) -> list[Diagnostic]:
        if model.view(self.name) is None:
            names = ", ".join(v.name for v in model.views) or "none"
            return [self.error("E105", f"unknown view {self.name!r}; views: {names}", "name")]
        return [self.error("E303", f"view {self.name!r} is used by view {user!r}", "name")
                for user in view_users(model, self.name) if user != self.name]

    def apply(self, model: Schema) -> Schema:
        return model.without_view(self.name)

    def render(self, model: Schema) -> list[Piece]:
        return [Statement(f"DROP VIEW {ident(self.name)}", frozenset({self.name}))]

    def inverse(self, model: Schema) -> list[Operation]:
        return [self.derived(CreateView, view=model.view(self.name), verbatim=True)]
