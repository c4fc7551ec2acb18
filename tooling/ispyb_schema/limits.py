# SPDX-License-Identifier: LGPL-3.0-or-later
"""Bounds on what the tool reads, so that no input can exhaust memory or time.

Each limit has a default far above every real file, and can be set in ``[tool.ispyb-schema.
limits]`` of ``pyproject.toml`` or in the environment (which wins):

| setting | environment | default |
| --- | --- | --- |
| ``yaml_bytes`` | ``ISPYB_SCHEMA_YAML_BYTES`` | 1 MiB per YAML file |
| ``yaml_nodes`` | ``ISPYB_SCHEMA_YAML_NODES`` | 100,000 values per file, aliases expanded |
| ``yaml_depth`` | ``ISPYB_SCHEMA_YAML_DEPTH`` | 64 levels of nesting |
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import InputError, SourceLoc


@dataclass(frozen=True)
class Limits:
    yaml_bytes: int = 1 << 20
    yaml_nodes: int = 100_000
    yaml_depth: int = 64

    @staticmethod
    def env_name(setting: str) -> str:
        return f"ISPYB_SCHEMA_{setting.upper()}"

    @staticmethod
    def how_to_raise(setting: str) -> str:
        return (f"raise it with {Limits.env_name(setting)} or {setting} in "
                "[tool.ispyb-schema.limits]")


_CACHE: dict[tuple, Limits] = {}


def current_limits() -> Limits:
    """The limits in force: environment, else the nearest project's settings, else defaults."""
    env = tuple(os.environ.get(Limits.env_name(f.name)) for f in fields(Limits))
    key = (str(Path.cwd()), env)
    if key not in _CACHE:
        _CACHE[key] = _resolve(env)
    return _CACHE[key]


def _resolve(env: tuple) -> Limits:
    pyproject, settings = _project_settings()
    values = {}
    for f, from_env in zip(fields(Limits), env):
        if from_env is not None:
            values[f.name] = _positive(from_env, SourceLoc(f"${Limits.env_name(f.name)}"))
        elif f.name in settings:
            values[f.name] = _positive(settings[f.name], SourceLoc(str(pyproject)))
    return Limits(**values)


def _project_settings() -> tuple[Path | None, dict]:
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None, {}  # the project's own loader reports it where it matters
        settings = data.get("tool", {}).get("ispyb-schema")
        if settings is not None:
            limits = settings.get("limits", {})
            return candidate, limits if isinstance(limits, dict) else {}
    return None, {}


def _positive(value, where: SourceLoc) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0 or isinstance(value, bool):
        raise InputError.single(where, f"a limit must be a positive whole number, got "
                                       f"{value!r}", "E002")
    return number
