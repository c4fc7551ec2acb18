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



OVERFLOW = """() => {
  const root = document.documentElement;
  return {page: root.scrollWidth, width: root.clientWidth,
          wide: [...document.querySelectorAll('.md-content *')].filter(
            el => el.getBoundingClientRect().right > root.clientWidth + 1
                  && !el.closest('.md-typeset__scrollwrap, .highlight, .erd-figure, .tabbed-set'))
            .slice(0, 3).map(el => el.tagName + '.' + el.className)};
}"""


def built_pages(base_url: str, root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html")
                  if p.name != "404.html" and "assets" not in p.parts)


@pytest.fixture(scope="module")
def site_root(tmp_path_factory):
    site = copy_site_skeleton(tmp_path_factory.mktemp("fit"))
    build_docs(sample_site(), site / "docs")
    return run_mkdocs(site, strict=True)


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_no_page_is_wider_than_the_screen_and_none_logs_an_error(browser, site_root, width,
                                                                 height):
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(site_root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        too_wide = {}
        for path in built_pages(base, site_root):
            page.goto(base + path)
            page.wait_for_load_state("load")
            found = page.evaluate(OVERFLOW)
            if found["page"] > found["width"] or found["wide"]:
                too_wide[path] = found
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    assert too_wide == {}
    assert errors == []


def test_each_proposal_page_opens_on_its_summary(browser, base_url):
    ARTIFACTS.mkdir(exist_ok=True)
    for page_id in ("DC-001", "GRP-003"):
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{base_url}generated/proposals/{page_id}.html")
        page.wait_for_load_state("networkidle")
        glance = page.locator(".glance table")
        box = glance.bounding_box()
        assert box is not None and box["y"] < 720, f"{page_id}: the summary starts below the fold"
        assert "Tables" in glance.inner_text() and "Verification" in glance.inner_text()
        if page_id == "DC-001":
            page.screenshot(path=str(ARTIFACTS / "site-proposal-first-screen.png"))
        page.close()
    home = browser.new_page(viewport={"width": 1280, "height": 720})
    home.goto(f"{base_url}index.html")
    home.wait_for_load_state("networkidle")
    home.screenshot(path=str(ARTIFACTS / "site-home.png"), full_page=True)
    home.close()


def test_search_index_leaves_out_diagrams_and_the_legend(base_url, site_root):
    import json

    index = json.loads((site_root / "search" / "search_index.json").read_text())
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "erd-name" not in text and "grey boxes" not in text
    assert any("imagePrefix" in doc["text"] for doc in index["docs"])


def test_opened_from_the_file_system_the_search_box_says_it_needs_a_server(browser, site_root):
    page = browser.new_page()
    page.goto((site_root / "index.html").as_uri())
    page.wait_for_load_state("load")
    placeholder = page.locator(".md-search__input").get_attribute("placeholder")
    assert "ispyb-schema site serve" in placeholder
    page.close()
