# SPDX-License-Identifier: LGPL-3.0-or-later
"""4xx: what a MariaDB Galera cluster (Diamond's production ISPyB) needs: primary keys,
InnoDB, DDL that does not stall the cluster, write-sets of a sane size."""
from __future__ import annotations

import sqlglot
from sqlglot import exp

from ...changeset.operations import Statement
from ...changeset.operations.data import CopyRows, DataStep, Unpivot
from ...changeset.operations.raw import RawSql
from ...changeset.operations.tables import CreateTable
from ...changeset.sqlcheck import dialect
from ..algorithm import INSTANT
from ..registry import Finding, rule
from .algorithm import LARGE_TABLES


def _changed_tables(ctx):
    """Tables the proposal creates or alters, with the step that last touched each."""
    touched = {}
    for step in ctx.steps:
        name = step.op.table_name()
        if name is not None and ctx.final.table(name) is not None:
            touched[name] = step
    return touched


@rule(code="ISP401", name="no-primary-key", severity="error",
      summary="a table the proposal creates or changes has no primary key")
def no_primary_key(ctx):
    """Galera certifies and applies row changes by primary key: a table without one makes
    every replicated DELETE/UPDATE scan it on each node, and MariaDB recommends against such
    tables in a cluster (``innodb_force_primary_key``). Give every table a primary key."""
    for name, step in _changed_tables(ctx).items():
        if ctx.final.table(name).primary_key is None:
            yield Finding(step.op.where(), f"{name} has no primary key after this proposal")


@rule(code="ISP402", name="not-innodb", severity="error",
      summary="a new table does not use InnoDB")
def not_innodb(ctx):
    """Galera replicates InnoDB tables only; rows of a MyISAM or Aria table exist on one node
    alone."""
    for step in ctx.ops(CreateTable):
        if step.op.table.engine.lower() != "innodb":
            yield Finding(step.op.where("engine"), f"{step.op.table.name} uses "
                                                   f"{step.op.table.engine}; Galera replicates "
                                                   "InnoDB only")


@rule(code="ISP403", name="toi-blocks-cluster", severity="warning",
      summary="an ALTER rebuilds a large table: under TOI the whole cluster waits")
def toi_blocks_cluster(ctx):
    """Galera runs DDL in Total Order Isolation by default: every node executes the ALTER at
    the same point and no other write commits anywhere until it is done. Only INSTANT changes
    are quick; a rebuild of a large table stalls the cluster for its whole duration. Use a
    rolling schema upgrade (``wsrep_OSU_method=RSU``) or an online schema change tool, or
    choose a change MariaDB can make instantly."""
    for alter in ctx.alters:
        if alter.table in LARGE_TABLES and alter.prediction.worst > INSTANT:
            yield Finding(alter.deciding_step.op.where(),
                          f"ALTER TABLE {alter.table} is not instant ({alter.prediction}): "
                          "under TOI every node stops committing until it finishes")


@rule(code="ISP404", name="large-write-set", severity="warning",
      summary="a data step changes a row per row of a large table in one transaction")
def large_write_set(ctx):
    """A data step is one statement, hence one Galera write-set holding every row it changes:
    an UPDATE or DELETE of a large table, or an INSERT … SELECT from one. Write-sets above
    ``wsrep_max_ws_rows``/``wsrep_max_ws_size`` are refused, and big ones stall the cluster
    while every node applies them. Migrate large tables in batches: ``batch: N`` on
    copy_rows, transform, unpivot, fill_foreign_key and delete_rows commits N rows at a time."""
    for step in ctx.steps:
        if getattr(step.op, "batch", None):
            continue  # one write-set per N rows
        data = [p.text for p in step.pieces if isinstance(p, Statement) and p.data]
        large = _rows_follow(step, data) & LARGE_TABLES if data else set()
        if large:
            remedy = ("give the step 'batch: N' to commit N rows per transaction"
                      if isinstance(step.op, DataStep) else "split it into batches")
            yield Finding(step.op.where(), f"{step.kind} changes a row for each row of "
                                           f"{', '.join(sorted(large))} in one transaction: "
                                           f"one write-set for all of them; {remedy}")


def _rows_follow(step, statements: list[str]) -> set[str]:
    """The tables whose row count sets how many rows the step's statements change."""
    op = step.op
    if isinstance(op, RawSql):
        return set().union(*(_statement_rows(text) for text in statements))
    if isinstance(op, (CopyRows, Unpivot)):
        return {op.source}
    lost = op.loses(step.before)
    return {t for t, _ in op.writes(step.before) | (lost[0] if lost else set())}


def _statement_rows(text: str) -> set[str]:
    """INSERT … SELECT: the tables it selects from; UPDATE: the tables its SET assigns;
    DELETE: its table."""
    node = sqlglot.parse_one(text, read=dialect())
    if isinstance(node, exp.Insert):
        query = node.expression
        return {t.name for t in query.find_all(exp.Table)} if query is not None else set()
    if isinstance(node, exp.Update):
        aliases = {(t.alias or t.name).lower(): t.name for t in node.find_all(exp.Table)}
        assigned = {aliases.get(e.this.table.lower(), e.this.table) for e in node.expressions
                    if isinstance(e.this, exp.Column) and e.this.table}
        return assigned or {node.this.name}
    return {node.this.name} if isinstance(node, exp.Delete) else set()
