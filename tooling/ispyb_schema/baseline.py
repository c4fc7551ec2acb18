# SPDX-License-Identifier: LGPL-3.0-or-later
"""Load a schema from any SOURCE, and write one in the project's own format.

SOURCE is a server URL (``mysql://user:pass@host:port/db``), a dump file (``*.sql``), a
project-format file (``*.yaml``/``*.yml``/``*.json``: one table, one view, or
``{tables: […], views: […]}``) or a project-format folder (every ``*.yaml`` below it).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import yaml

from .errors import Diagnostic, InputError, SourceLoc
from .model import Schema
from .model.serialize import (
    schema_from_dict,
    schema_to_dict,
    table_from_dict,
    table_to_dict,
    view_from_dict,
    view_to_dict,
)
from .yamlsrc import load_yaml

SPDX_YAML = "# SPDX-License-Identifier: LGPL-3.0-or-later\n"

# ``--via-server``: dumps are loaded into a scratch MariaDB and imported live (set once per
# command by the CLI option, which every command that takes a SOURCE has).
_VIA_SERVER = {"on": False}


def baseline_label(source: str) -> str:
    """How scripts and records name the baseline: never with a password."""
    if "://" in source:
        parts = urlparse(source)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 3306}{parts.path}"
    return source


def read_dumps_via_server(enabled: bool = True) -> None:
    _VIA_SERVER["on"] = enabled


def load_schema(source: str | os.PathLike, via_server: bool | None = None) -> Schema:
    """The schema of SOURCE; a dump through a scratch server when ``via_server`` (default: as
    the ``--via-server`` option said)."""
    source = str(source)
    if via_server is None:
        via_server = _VIA_SERVER["on"]
    if "://" in source:
        from .importer.live import import_url

        return import_url(source)
    path = Path(source)
    if path.is_dir():
        return _load_folder(path)
    if not path.is_file():
        raise InputError.single(SourceLoc(source), "no such file or folder; expected a dump "
                                "(.sql), a project-format file or folder, or a mysql:// URL")
    if path.suffix.lower() == ".sql":
        if via_server:
            from .importer.via_server import import_via_server

            return import_via_server(path)
        from .importer.cache import load_dump

        return load_dump(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        data, locator = load_yaml(path)
        problems: list[Diagnostic] = []
        schema = _from_document(data, locator, problems)
        if problems:
            raise InputError(problems)
        return schema
    raise InputError.single(SourceLoc(source), f"unknown schema source type {path.suffix!r}; "
                            "expected .sql, .yaml, .yml, .json, a folder or a URL")


def _from_document(data, locator, problems: list[Diagnostic]) -> Schema:
    if isinstance(data, dict) and "table" in data:
        table = table_from_dict(data, locator, problems)
        return Schema((table,) if table else ())
    if isinstance(data, dict) and "view" in data:
        view = view_from_dict(data, locator, problems)
        return Schema((), (view,) if view else ())
    if isinstance(data, dict) and ("tables" in data or "views" in data):
        return schema_from_dict(data, locator)
    problems.append(Diagnostic(locator.loc(), "expected a mapping with 'table', 'view' or "
                                              "'tables'/'views'", "E010"))
    return Schema()


def _folder_files(folder: Path) -> list[Path]:
    """``tables/*.yaml`` and ``views/*.yaml`` when the folder has them (a project folder may
    also hold fixtures and notes), else every ``*.yaml`` directly in it."""
    if (folder / "tables").is_dir() or (folder / "views").is_dir():
        return sorted(folder.glob("tables/*.yaml")) + sorted(folder.glob("views/*.yaml"))
    return sorted(folder.glob("*.yaml"))


def _load_folder(folder: Path) -> Schema:
    tables, views, problems = [], [], []
    for path in _folder_files(folder):
        try:
            data, locator = load_yaml(path)
        except InputError as err:
            problems += err.diagnostics
            continue
        part = _from_document(data, locator, problems)
        tables += part.tables
        views += part.views
    names = [t.name for t in tables] + [v.name for v in views]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Diagnostic(SourceLoc(str(folder)), f"{name!r} is defined twice", "E010"))
    if problems:
        raise InputError(problems)
    if not tables and not views:
        raise InputError.single(SourceLoc(str(folder)), "no table or view files found; "
                                "expected tables/*.yaml, views/*.yaml or *.yaml")
    return Schema(tuple(tables), tuple(views))


class _Dumper(yaml.SafeDumper):
    """Block style for structure; flow style for short lists of scalars (column lists) and
    for the small ``references`` mapping of a foreign key."""


def _is_short(data) -> bool:
    return len(str(data)) <= 72


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = _is_short(data) and all(isinstance(i, (str, int, float, bool)) for i in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    flow = set(data) == {"table", "columns"} and _is_short(data)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_schema(schema: Schema, out: str | os.PathLike, force: bool = False) -> None:
    """Write ``schema`` in the project format: a folder (one file per table/view) or a single
    ``.yaml``/``.json`` file. Written to a temporary place first, so a failure leaves nothing."""
    out = Path(out)
    if out.suffix.lower() == ".json":
        _atomic_write(out, json.dumps(schema_to_dict(schema), indent=1) + "\n", force)
        return
    if out.suffix.lower() in (".yaml", ".yml"):
        _atomic_write(out, SPDX_YAML + _dump(schema_to_dict(schema)), force)
        return
    # A folder: tables/ and views/ are replaced as a whole; anything else in it is kept.
    parts = {"tables": (schema.tables, table_to_dict), "views": (schema.views, view_to_dict)}
    existing = [out / sub for sub in parts if (out / sub).exists()]
    if existing and not force:
        raise InputError.single(SourceLoc(str(existing[0])), "already exists; pass --force to "
                                                             "replace it")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for sub, (items, to_dict) in parts.items():
            (staging / sub).mkdir()
            for item in items:
                (staging / sub / f"{item.name}.yaml").write_text(
                    SPDX_YAML + _dump(to_dict(item)), encoding="utf-8")
        for sub, (items, _) in parts.items():
            if (out / sub).exists():
                shutil.rmtree(out / sub)
            if items:
                (staging / sub).rename(out / sub)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _atomic_write(path: Path, text: str, force: bool) -> None:
    if path.exists() and not force:
        raise InputError.single(SourceLoc(str(path)), "file exists; pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
