# SPDX-License-Identifier: LGPL-3.0-or-later
"""The check of a proposal with batched data steps (``batch: N``): the same proposal without
``batch``, run in a second scratch database loaded the same way, leaves the same rows.

Compared per table: every column except those the load time fills in (a ``current_timestamp``
default) and the AUTO_INCREMENT ids handed to rows a batched step inserts (InnoDB leaves a gap
after each ``INSERT … SELECT``, so ranges get other, equally new ids).
"""
from __future__ import annotations

from contextlib import closing
from dataclasses import replace

from ..changeset.proposal import batched_steps
from ..model import Schema, Table
from .scratch import PREFIX, Loader, fill
from .snapshot import whole_digests
from .statements import execute, planned_script


def comparable(model: Schema, inserted_into: set[str]) -> list[Table]:
    """The tables of ``model`` without the columns two loads or two id sequences differ in."""
    return [replace(t, columns=tuple(
        c for c in t.columns
        if "current_timestamp" not in str(c.default or "").lower()
        and not (c.auto_increment and t.name in inserted_into))) for t in model.tables]


def same_as_unbatched(server, conn, loader: Loader, setup: list, subject, label: str
                      ) -> tuple[dict, str | None]:
    """Run ``setup`` (dependencies) and ``subject``'s proposal without ``batch`` in a new
    database; compare its tables with those ``conn`` sees after the batched forward script."""
    walk = subject.unbatched  # the same proposal without batch, walked by the one walker
    inserted_into = {getattr(op, "target", None) for op in batched_steps(subject.proposal)}
    tables = comparable(walk.model, inserted_into - {None})
    details = {"batched_steps": len(batched_steps(subject.proposal))}
    database = server.create_scratch_database(PREFIX)
    try:
        loaded = fill(server, database, loader)
        if loaded.error:
            return details, f"loading the database for the unbatched script: {loaded.error}"
        with closing(server.connect(database)) as other:
            for each in [s.walk for s in setup] + [walk]:
                _, statements = planned_script(each, label)
                _, failure = execute(other, statements)
                if failure:
                    return details, f"the unbatched script of {each.proposal.id}: {failure}"
            with other.cursor() as cur:
                theirs = whole_digests(cur, tables)
        with conn.cursor() as cur:
            ours = whole_digests(cur, tables)
    finally:
        server.drop_scratch_database(database)
    differing = [f"{t.name}: {a.whole.rows} rows, checksum {a.whole.checksum} batched; "
                 f"{b.whole.rows} rows, checksum {b.whole.checksum} unbatched"
                 for t, a, b in zip(tables, ours, theirs) if a != b]
    details.update(tables=len(tables), differences=differing)
    return details, ("batched steps leave other rows than the same steps unbatched:\n"
                     + "\n".join(differing)) if differing else None
