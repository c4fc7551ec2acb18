# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema site serve``: the live preview picks up a proposal added while it runs."""
import http.client
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitemodels import ROOT, copy_site_skeleton
from test_site_collect import SNAPSHOTS



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120.0, attempt: float = 10.0) -> str:
    """The page at ``url`` once it answers, within an overall deadline: connection errors, read
    time-outs (the preview holds requests while it rebuilds, which can take longer than one
    attempt on a loaded machine), dropped connections and 404s before a rebuild are retried."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            with urllib.request.urlopen(url, timeout=min(attempt, left)) as response:
                return response.read().decode("utf-8")
        except (urllib.error.URLError, OSError, http.client.HTTPException):
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_wait_for_retries_a_read_time_out():
    """A server that holds its first request longer than one attempt, as the preview does
    during a rebuild, is waited for, not failed on."""
    held = []

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            if not held:
                held.append(True)
                time.sleep(1.5)
            body = b"ready"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        assert wait_for(url, timeout=30, attempt=0.5) == "ready"
        assert held == [True]
        with pytest.raises(AssertionError, match="did not answer within 1"):
            wait_for(f"http://127.0.0.1:{free_port()}/", timeout=1, attempt=0.5)
    finally:
        server.shutdown()
        server.server_close()


def test_serve_rebuilds_when_a_proposal_is_added(tmp_path):
    copy_site_skeleton(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.ispyb-schema]\nbaseline = "{ROOT / "schema"}"\n', encoding="utf-8")
    (tmp_path / "proposals").mkdir()
    base = f"http://127.0.0.1:{free_port()}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "ispyb_schema", "site", "serve", "--dev-addr", base[7:-1]],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert "There are no proposals yet" in wait_for(base)
        (tmp_path / "proposals" / "DC-001.yaml").write_text(SNAPSHOTS, encoding="utf-8")
        page = wait_for(base + "generated/proposals/DC-001.html")
        assert "crystalClass" in page
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert b"Traceback" not in errors, errors.decode()
