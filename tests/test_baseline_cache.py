# SPDX-License-Identifier: LGPL-3.0-or-later
"""The parsed-dump cache: keyed by the dump's content and the tool, corrupted entries ignored
and rewritten, a hit that imports no SQL parser."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ispyb_schema.baseline import load_schema
from ispyb_schema.importer.dump import import_dump

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "tests" / "data" / "dumps" / "features.sql"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ISPYB_SCHEMA_CACHE", raising=False)
    return tmp_path / "xdg" / "ispyb-schema"


@pytest.fixture
def dump(tmp_path):
    path = tmp_path / "tables.sql"
    path.write_bytes(FEATURES.read_bytes())
    return path


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("dump-*.pickle"))


def test_a_dump_is_parsed_once_and_read_back_equal(cache, dump):
    first = load_schema(dump)
    [entry] = entries(cache)
    assert first == import_dump(dump)
    stamp = entry.stat().st_mtime_ns
    assert load_schema(dump) == first
    assert entry.stat().st_mtime_ns == stamp  # read, not rewritten


def test_the_same_bytes_under_another_name_share_the_entry(cache, dump, tmp_path):
    copy = tmp_path / "copy.sql"
    copy.write_bytes(dump.read_bytes())
    assert load_schema(dump) == load_schema(copy)
    assert len(entries(cache)) == 1


def test_an_edited_dump_is_parsed_again(cache, dump):
    before = load_schema(dump)
    dump.write_text(dump.read_text(encoding="utf-8") +
                    "\nCREATE TABLE `AddedLater` (`id` int(11) NOT NULL, PRIMARY KEY (`id`))"
                    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n",
                    encoding="utf-8")
    after = load_schema(dump)
    assert after.table("AddedLater") is not None and before.table("AddedLater") is None
    assert len(entries(cache)) == 2


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05K\x01."])  # last: int 1
def test_a_corrupted_entry_is_ignored_and_rewritten(cache, dump, garbage):
    expected = load_schema(dump)
    [entry] = entries(cache)
    entry.write_bytes(garbage)
    assert load_schema(dump) == expected
    assert entry.read_bytes() != garbage
    assert load_schema(dump) == expected


def test_an_unwritable_cache_only_costs_the_parse(cache, dump):
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the folder should be")
    assert load_schema(dump) == import_dump(dump)


def test_the_cache_can_be_turned_off(cache, dump, monkeypatch):
    monkeypatch.setenv("ISPYB_SCHEMA_CACHE", "off")
    load_schema(dump)
    assert not cache.exists()


def test_a_bad_dump_is_reported_and_not_cached(cache, tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_bytes(b"CREATE TABLE `x` (\xff);\n")
    result = subprocess.run([sys.executable, "-m", "ispyb_schema", "ddl", "--baseline",
                             str(bad)], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ})
    assert result.returncode == 2 and f"{bad}:1" in result.stderr and "UTF-8" in result.stderr
    assert "Traceback" not in result.stderr and entries(cache) == []


def test_ddl_from_the_cache_imports_no_sql_parser(cache, dump):
    probe = ("import json, sys\nfrom ispyb_schema.cli.main import cli\n"
             "try:\n    cli(sys.argv[1:])\nexcept SystemExit as stop:\n    code = stop.code\n"
             "print(json.dumps([code, 'sqlglot' in sys.modules]), file=sys.stderr)")
    runs = [subprocess.run([sys.executable, "-c", probe, "ddl", "--baseline", str(dump)],
                           capture_output=True, text=True, cwd=ROOT, env={**os.environ})
            for _ in range(2)]
    outcomes = [json.loads(r.stderr.strip().splitlines()[-1]) for r in runs]
    assert outcomes == [[0, True], [0, False]]  # parsed, then read back
    assert runs[0].stdout == runs[1].stdout and "CREATE TABLE" in runs[1].stdout
