# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema import``: read a dump or a live server into the project's own format."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import click

from ..errors import InputError, SourceLoc
from .common import handle_errors, via_server_option

if TYPE_CHECKING:
    from ..model import Schema


def select_tables(schema: Schema, names: tuple[str, ...], with_references: bool) -> Schema:
    unknown = [n for n in names if schema.table(n) is None]
    if unknown:
        raise InputError.single(SourceLoc("--table"), f"unknown table(s): {', '.join(unknown)}")
    return schema.subset(schema.fk_closure(names) if with_references else names)


def strip_comments(schema: Schema) -> Schema:
    tables = tuple(
        t.with_changes(comment="", columns=tuple(replace(c, comment="") for c in t.columns))
        for t in schema.tables
    )
    return replace(schema, tables=tables)


@click.command("import")
@click.argument("source")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="A folder (one YAML file per table) or a single .yaml/.json file.")
@click.option("--table", "tables", multiple=True, metavar="NAME",
              help="Import only this table (repeatable).")
@click.option("--with-references", is_flag=True,
              help="With --table: add every table they reference by foreign key, transitively.")
@click.option("--no-comments", is_flag=True, help="Leave table and column comments out.")
@click.option("--force", is_flag=True, help="Replace existing output.")
@via_server_option
@handle_errors
def import_command(source: str, output: str, tables: tuple[str, ...], with_references: bool,
                   no_comments: bool, force: bool) -> None:
    """Import SOURCE (a dump .sql file or a mysql://user:pass@host:port/db URL)."""
    from ..baseline import load_schema, write_schema

    schema = load_schema(source)
    if tables:
        schema = select_tables(schema, tables, with_references)
    if no_comments:
        schema = strip_comments(schema)
    write_schema(schema, output, force=force)
    click.echo(f"imported {len(schema.tables)} tables, {len(schema.views)} views -> {output}",
               err=True)
