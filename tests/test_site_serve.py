# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema site serve``: the live preview picks up a proposal added while it runs."""
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from sitemodels import ROOT, copy_site_skeleton
from test_site_collect import SNAPSHOTS



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # a rebuild holds requests
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


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
