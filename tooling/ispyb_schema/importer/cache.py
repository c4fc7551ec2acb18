# SPDX-License-Identifier: LGPL-3.0-or-later
"""Parsed dumps, cached by content: ``ddl``, ``plan``, ``apply`` and ``verify`` parse a 250 KB
dump once, not on every run.

An entry is the pickled :class:`~ispyb_schema.model.Schema` in
``$XDG_CACHE_HOME/ispyb-schema/`` (default ``~/.cache/ispyb-schema/``), named by the sha256 of
the dump's bytes and of the tool that parsed it (its version and the size and time of its
importer and model sources), so an edited dump or an upgraded tool never sees a stale model. A
corrupted or unreadable entry is ignored and rewritten; a cache folder that cannot be written
only costs the parse. ``ISPYB_SCHEMA_CACHE=off`` disables the cache.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from .. import __version__
from ..model import Schema

CACHE_ENV = "ISPYB_SCHEMA_CACHE"
_PACKAGE = Path(__file__).resolve().parents[1]
_PARSER_SOURCES = ("importer", "model")


def cache_folder() -> Path | None:
    if os.environ.get(CACHE_ENV, "").lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ispyb-schema"


def _tool_fingerprint() -> bytes:
    """The version and the size and modification time of every source the parse depends on."""
    parts = [__version__]
    for folder in _PARSER_SOURCES:
        for path in sorted((_PACKAGE / folder).glob("*.py")):
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts).encode()


def entry_path(data: bytes) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    digest = hashlib.sha256(_tool_fingerprint() + b"\0" + data).hexdigest()
    return folder / f"dump-{digest}.pickle"


def _read(entry: Path) -> Schema | None:
    try:
        with entry.open("rb") as handle:
            schema = pickle.load(handle)
    except Exception:  # missing, truncated, corrupted or from an incompatible tool: re-parse
        return None
    return schema if isinstance(schema, Schema) else None


def _write(entry: Path, schema: Schema) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=entry.parent)
        with os.fdopen(handle, "wb") as out:
            pickle.dump(schema, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except OSError:
        return  # a read-only or full cache folder only costs the next parse


def load_dump(path: str | os.PathLike) -> Schema:
    """The schema of the dump at ``path``: from the cache, else parsed (which says what is
    wrong with an unreadable or bad dump) and stored. A hit imports neither sqlglot nor the
    dump importer."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        data = None  # import_dump reports it
    entry = entry_path(data) if data is not None else None
    schema = _read(entry) if entry else None
    if schema is None:
        from .dump import import_dump

        schema = import_dump(path, data=data)
        if entry:
            _write(entry, schema)
    return schema
