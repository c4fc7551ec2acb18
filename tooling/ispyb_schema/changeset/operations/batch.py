# SPDX-License-Identifier: LGPL-3.0-or-later
"""``batch: N`` on a data step: the same set-based statement, run over ranges of N rows of
the table it reads (by primary key), one transaction (one Galera write-set) per range.

The statement becomes an anonymous block (``BEGIN NOT ATOMIC … END``, written between
``DELIMITER`` lines in the script; no stored procedure is created) with a WHILE loop over
key ranges. Its progress is kept in the table ``ispyb_schema_batches`` (created when a batched
step starts, dropped when none is under way), updated in the same transaction as each range,
so a step interrupted part-way (an error rolls back the range under way) resumes after its
last committed range when its statement is run again. The ranges cover the keys that exist when the step starts: rows the step itself adds
to its table are not visited.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from ...errors import Diagnostic
from ...model import Table
from ...render.quote import ident, qualified, string

PROGRESS_TABLE = "ispyb_schema_batches"
LOW, HIGH, LAST = "ispyb_batch_from", "ispyb_batch_to", "ispyb_batch_last"  # the block's variables


def batch_key(table: Table) -> str | None:
    """The column a batch ranges over: a single-column integer primary key, else None."""
    key = table.primary_key
    if key is None or len(key.columns) != 1:
        return None
    column = table.column(key.columns[0])
    return column.name if column is not None and column.type.is_integer else None


def batch_problems(op, table: Table | None) -> list[Diagnostic]:
    """``batch`` needs a table (the one the step reads) with a one-column integer key."""
    if op.batch is None or table is None or batch_key(table) is not None:
        return []
    return [op.error("E217", f"batch: {table.name} has no single-column integer primary key "
                             "to range over; remove 'batch' from this step", "batch")]


def in_batches(table: Table, size: int, statement: Callable[[str], str]) -> str:
    """The block running ``statement(condition)`` once per range of ``size`` rows of
    ``table``; ``condition`` is the SQL that limits a statement to the range."""
    key = ident(batch_key(table))
    name = ident(table.name)
    inner = statement(f"{qualified(table.name, batch_key(table))} >= {LOW} AND "
                      f"{qualified(table.name, batch_key(table))} < {HIGH}")
    step = string(hashlib.sha1(f"{size}:{inner}".encode("utf-8")).hexdigest()[:32])
    progress = ident(PROGRESS_TABLE)
    return "\n".join([
        "BEGIN NOT ATOMIC",
        f"  DECLARE {LOW}, {HIGH}, {LAST} DECIMAL(20);",
        "  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;",
        f"  CREATE TABLE IF NOT EXISTS {progress} ({ident('step')} CHAR(32) NOT NULL PRIMARY KEY, "
        f"{ident('next_key')} DECIMAL(20), {ident('last_key')} DECIMAL(20)) ENGINE=InnoDB "
        "COMMENT 'ispyb-schema: batched data steps under way';",
        f"  INSERT IGNORE INTO {progress} ({ident('step')}, {ident('next_key')}, "
        f"{ident('last_key')}) SELECT {step}, MIN({key}), MAX({key}) FROM {name};",
        f"  SELECT {ident('next_key')}, {ident('last_key')} INTO {LOW}, {LAST} FROM {progress} "
        f"WHERE {ident('step')} = {step};",
        f"  WHILE {LOW} <= {LAST} DO",
        f"    SET {HIGH} = COALESCE((SELECT {key} FROM {name} WHERE {key} >= {LOW} AND {key} <= "
        f"{LAST} ORDER BY {key} LIMIT 1 OFFSET {int(size)}), {LAST} + 1);",
        "    START TRANSACTION;",
        f"    {inner};",
        f"    UPDATE {progress} SET {ident('next_key')} = {HIGH} WHERE {ident('step')} = {step};",
        "    COMMIT;",
        f"    SET {LOW} = {HIGH};",
        "  END WHILE;",
        f"  DELETE FROM {progress} WHERE {ident('step')} = {step};",
        f"  IF NOT EXISTS (SELECT 1 FROM {progress}) THEN",
        f"    DROP TABLE {progress};",
        "  END IF;",
        "END",
    ])


def and_also(where: str | None, condition: str | None) -> str | None:
    """``where AND condition`` (either may be absent)."""
    if where and condition:
        return f"({where}) AND {condition}"
    return where or condition
