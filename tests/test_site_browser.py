# SPDX-License-Identifier: LGPL-3.0-or-later
"""The built review site in a real headless browser (Debian's chromium, driven by Playwright).

The site is served from 127.0.0.1 (search needs http, not file://) and every request that
would leave this machine is refused, so a page that needs the network fails here.
A screenshot of a proposal page is saved to test-artifacts/ for a person to look at.
"""
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ispyb_schema.site.build import build_docs
from ispyb_schema.site.publish import run_mkdocs
from sitemodels import ROOT, copy_site_skeleton, sample_site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"{CHROMIUM} is missing (apt-get install -y chromium)")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    site = copy_site_skeleton(tmp_path_factory.mktemp("browser"))
    build_docs(sample_site(), site / "docs")
    built = run_mkdocs(site, strict=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page opened offline, with every console error and failed request it produced."""

    def __init__(self, browser, base_url: str, path: str) -> None:
        self.problems: list[str] = []
        self.page = browser.new_page(viewport={"width": 1600, "height": 1000})
        self.page.route("**/*", lambda route: route.continue_()
                        if route.request.url.startswith(base_url) else route.abort())
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status}: {r.url}"))
        self.page.goto(base_url + path)
        self.page.wait_for_load_state("networkidle")


def test_home_page_loads_cleanly(browser, base_url):
    visit = Visit(browser, base_url, "index.html")
    assert visit.problems == []
    assert visit.page.locator("#agenda-of-the-next-meeting").is_visible()
    assert visit.page.locator(".badge-under-review").first.is_visible()
    visit.page.close()


def test_proposal_page_loads_cleanly_and_draws_both_diagrams(browser, base_url):
    visit = Visit(browser, base_url, "generated/proposals/DC-001.html")
    assert visit.problems == []
    diagrams = visit.page.locator("svg.erd")
    assert diagrams.count() == 2
    for index in range(2):
        svg = diagrams.nth(index)
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        names = svg.locator("text.erd-name").all_text_contents()
        assert {"DataCollection", "DataCollectionFileAttachment"} <= set(names)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "site-proposal-DC-001.png"
    visit.page.screenshot(path=str(shot), full_page=True)
    visit.page.add_style_tag(content=".md-header { position: static; }")  # not over the shot
    visit.page.locator(".erd-pair").screenshot(path=str(ARTIFACTS / "site-proposal-DC-001-erd.png"))
    assert shot.stat().st_size > 10_000
    visit.page.close()


def test_search_finds_a_column(browser, base_url):
    visit = Visit(browser, base_url, "index.html")
    search = visit.page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("imagePrefix", delay=20)
    results = visit.page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    assert any("DataCollection" in text for text in results.all_text_contents())
    assert visit.problems == []
    visit.page.close()

