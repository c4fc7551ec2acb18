# SPDX-License-Identifier: LGPL-3.0-or-later
"""An ephemeral ``mariadbd`` started from the installed binaries.

Each instance lives in its own temporary directory (datadir, unix socket, pid file, error log),
listens only on 127.0.0.1 at a free port, and lets ``root`` in over TCP without a password.
It is stopped and its directory removed by :meth:`LocalMariaDB.stop`, at interpreter exit,
on SIGTERM/SIGHUP (see :mod:`.cleanup`), and (Linux, main thread) the server is killed if its parent process dies.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pymysql

from ..connection import connect, tls_for
from ..errors import EnvironmentProblem
from . import cleanup

_SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/local/bin"]
)
_INSTALL_HINT = "install mariadb-server (e.g. `apt install mariadb-server`, `dnf install mariadb-server`)"
# Settings that make a throwaway server start and load schemas fast.
_FAST_SETTINGS = [
    "--skip-log-bin",
    "--skip-name-resolve",
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=0",
    "--innodb-fast-shutdown=2",
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=16M",
    "--max-allowed-packet=256M",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
]
_ADDRESS_IN_USE = "Address already in use"
_NOT_LISTENING_YET = {2002, 2003, 2006, 2013}  # client error codes while the server starts


def find_binaries() -> tuple[str, str]:
    """Return the paths of ``mariadbd`` and ``mariadb-install-db``, or raise EnvironmentProblem."""
    server = _which("mariadbd", "mysqld")
    install_db = _which("mariadb-install-db", "mysql_install_db")
    missing = [name for name, path in [("mariadbd", server), ("mariadb-install-db", install_db)] if not path]
    if missing:
        raise EnvironmentProblem(f"{' and '.join(missing)} not found on PATH or in /usr/sbin; {_INSTALL_HINT}")
    return server, install_db


def _which(*names: str) -> str | None:
    return next((found for name in names if (found := shutil.which(name, path=_SEARCH_PATH))), None)


class LocalMariaDB:
    """A running ephemeral mariadbd; create it with :meth:`start`."""

    host = "127.0.0.1"
    user = "root"
    password = ""

    def __init__(self, root: Path, port: int, process: subprocess.Popen) -> None:
        self.root = root
        self.port = port
        self.process = process
        self.owner_pid = os.getpid()

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def error_log(self) -> Path:
        return self.root / "error.log"

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    def start(cls, timeout: float = 30.0, options: Sequence[str] = ()) -> "LocalMariaDB":
        """Initialise a datadir in a new temp dir and start mariadbd on it (with *options*
        added to its command line); wait until it answers."""
        mariadbd, install_db = find_binaries()
        root = Path(tempfile.mkdtemp(prefix="ispyb-schema-mariadb-"))
        try:
            _install_datadir(install_db, root)
            return cls._launch(mariadbd, root, timeout, options)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise

    @classmethod
    def _launch(cls, mariadbd: str, root: Path, timeout: float,
                options: Sequence[str]) -> "LocalMariaDB":
        for _attempt in range(3):  # another process may take the free port before mariadbd binds it
            port = _free_port()
            server = cls(root, port, _spawn(mariadbd, root, port, options))
            _register(server)
            try:
                ready = server._wait_ready(timeout)
            except BaseException:
                server.stop(remove=False)
                raise
            if ready:
                return server
            server.stop(remove=False)
            log = server._log_tail()
            if _ADDRESS_IN_USE not in log:
                break
        raise EnvironmentProblem(
            f"ephemeral mariadbd ({mariadbd}) did not become ready within {timeout:g}s "
            f"(exit code {server.process.returncode}); last lines of its error log:\n{log}"
        )

    def stop(self, *, remove: bool = True, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its temp dir. Idempotent."""
        cleanup.forget(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                login = dict(host=self.host, port=self.port, user=self.user, password=self.password)
                connect(tls=tls_for(self.host), **login, connect_timeout=2).close()
                return True
            except pymysql.err.OperationalError as exc:
                if exc.args[0] not in _NOT_LISTENING_YET:
                    raise EnvironmentProblem(f"ephemeral mariadbd on port {self.port} refused root: {exc}") from exc
                time.sleep(0.05)
        return False

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.error_log.read_text(errors="replace")
        except OSError:
            return "(no error log)"
        return "\n".join(text.splitlines()[-lines:])


def _install_datadir(install_db: str, root: Path) -> None:
    cmd = [
        install_db,
        "--no-defaults",
        f"--datadir={root / 'data'}",
        f"--tmpdir={root}",  # its own temporary files: parallel installs collide in /tmp
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve",
        "--innodb-log-file-size=16M",
        *_as_root(),
    ]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise EnvironmentProblem(f"{install_db} failed (exit code {done.returncode}):\n{tail}")


def server_command(mariadbd: str, root: Path, port: int) -> list[str]:
    """The command line of an ephemeral server living in ``root``, on 127.0.0.1:``port``, before
    its settings (a single server's and a Galera node's differ)."""
    return [
        mariadbd,
        "--no-defaults",
        f"--datadir={root / 'data'}",
        f"--socket={root / 'mariadb.sock'}",
        f"--pid-file={root / 'mariadb.pid'}",
        f"--log-error={root / 'error.log'}",
        f"--tmpdir={root}",
        "--bind-address=127.0.0.1",
        f"--port={port}",
        *_as_root(),
    ]


def _spawn(mariadbd: str, root: Path, port: int, options: Sequence[str] = ()) -> subprocess.Popen:
    cmd = [*server_command(mariadbd, root, port), *_FAST_SETTINGS, *options]
    (root / "error.log").write_bytes(b"")  # a fresh log per attempt
    with open(root / "error.log", "ab") as log:
        return subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # a terminal's Ctrl-C reaches only us; we then stop mariadbd in order
            preexec_fn=_die_with_parent_hook(),
        )


def _free_port() -> int:
    """A port the kernel considers free on 127.0.0.1 (binding port 0 never yields 3306 by design)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_root() -> list[str]:
    return ["--user=root"] if os.geteuid() == 0 else []


def _die_with_parent_hook():
    """A preexec_fn asking Linux to SIGKILL the child when this thread dies (main thread only)."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook


_register = cleanup.track  # the name other harness modules import
