# SPDX-License-Identifier: LGPL-3.0-or-later
"""Load SQL scripts (dump files) into a database, reporting the failing line.

The ``mariadb`` command-line client is used when installed (fastest, and exactly what a DBA
would run); otherwise the script is split into statements and run one by one over PyMySQL.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pymysql

from ..errors import IspybSchemaError
from ..sqltext import split_statements

__all__ = ["SqlScriptError", "find_client", "load_with_client", "load_with_pymysql",
           "split_statements"]

_CLIENT_ERROR_LINE = re.compile(r"^ERROR \d+ .*? at line (\d+): .*$", re.MULTILINE)


class SqlScriptError(IspybSchemaError):
    """A statement of a SQL script failed; ``line`` is where that statement starts (1-based)."""

    def __init__(self, source: str, database: str, message: str, line: int | None, statement: str = "") -> None:
        self.source, self.database, self.message, self.line, self.statement = source, database, message, line, statement
        where = f"{source}:{line}" if line else source
        excerpt = "\n".join(statement.strip().splitlines()[:3])
        detail = f"\n  in: {excerpt}" if excerpt else ""
        super().__init__(f"{where}: loading into `{database}` failed: {message}{detail}")


def find_client() -> str | None:
    """The ``mariadb`` (or ``mysql``) command-line client, if installed."""
    return shutil.which("mariadb") or shutil.which("mysql")


def load_with_client(
    client: str, *, host: str, port: int, user: str, password: str, database: str, script: Path | str, source: str,
    tls_options: Sequence[str] = (),
) -> None:
    """Pipe *script* (a file, or SQL text) into the command-line client (*tls_options*: the
    server's TLS decision, :meth:`ispyb_schema.connection.Tls.client_options`)."""
    cmd = [
        client,
        "--no-defaults",
        "--protocol=TCP",
        f"--host={host}",
        f"--port={port}",
        f"--user={user}",
        "--default-character-set=utf8mb4",
        "--max-allowed-packet=1G",
        "--local-infile=1",
        "--batch",
        f"--database={database}",
        *tls_options,
    ]
    env = dict(os.environ, MYSQL_PWD=password)  # never on argv, where `ps` shows it
    if isinstance(script, Path):
        with script.open("rb") as stdin:
            done = subprocess.run(cmd, stdin=stdin, capture_output=True, env=env)
    else:
        done = subprocess.run(cmd, input=script.encode(), capture_output=True, env=env)
    if done.returncode:
        raise _client_error(done.stderr.decode(errors="replace"), source, database)


def _client_error(stderr: str, source: str, database: str) -> SqlScriptError:
    found = _CLIENT_ERROR_LINE.search(stderr)
    if not found:
        return SqlScriptError(source, database, stderr.strip() or "the mariadb client failed", None)
    echoed = stderr[: found.start()].strip().strip("-").strip()  # the client echoes the failing statement
    return SqlScriptError(source, database, found.group(0), int(found.group(1)), echoed)


def load_with_pymysql(
    connect: Callable[[], pymysql.connections.Connection], database: str, text: str, source: str
) -> None:
    """Run the statements of *text* one by one on a fresh connection."""
    conn = connect()
    try:
        with conn.cursor() as cursor:
            for line, statement in split_statements(text):
                try:
                    cursor.execute(statement)
                except pymysql.MySQLError as exc:
                    code, message = (exc.args + ("",))[:2]
                    raise SqlScriptError(
                        source, database, f"ERROR {code} at line {line}: {message}", line, statement
                    ) from exc
    finally:
        conn.close()
