"""Browser helpers for the end-to-end tests: live server, browser profiles, sign-in, QR codes, screenshots, axe-core."""

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from outreach.extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# Playwright waits this long (ms) for an element or a navigation before failing.
TIMEOUT_MS = 10_000
SERIOUS = ("serious", "critical")
PUBLIC_HOST = "https://spi.example.test"  # TestConfig.PUBLIC_BASE_URL: what printed QR codes carry
SURVEY_URL = "https://spi.kpk.go.id/survei/eksternal"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
needs_qr_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler-utils, zbar"
)
# WCAG 2.1 A and AA: labels, contrast, keyboard focus, names (best-practice rules would double the run time).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class LiveServer:
    """The app served by werkzeug on a free loopback port, in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="e2e-live-server", daemon=True)

    def start(self) -> None:
        """Serve in the background."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def new_context(browser: Browser, base_url: str, viewport: dict = DESKTOP, **options) -> BrowserContext:
    """A fresh browser profile (no cookies) set up like a phone or a desktop in Bandar Lampung."""
    mobile = viewport["width"] < 600
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        is_mobile=mobile,
        has_touch=mobile,
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


class PageProblems:
    """Console errors and uncaught exceptions seen on a page (a CSP violation shows up here)."""

    def __init__(self, page: Page):
        self.messages: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.messages.append(msg.text))
        page.on("pageerror", lambda exc: self.messages.append(str(exc)))

    def take(self) -> list[str]:
        """The problems seen since the last call."""
        found, self.messages = self.messages, []
        return found


def watched_page(context: BrowserContext) -> Page:
    """A new page whose console errors are collected on `page.problems`."""
    page = context.new_page()
    page.problems = PageProblems(page)
    return page


def make_user(role: str, **fields):
    """A committed login of `role` (a promoter login gets its own Promoter record)."""
    user = factories.UserFactory(role=role, **fields)
    db.session.commit()
    return user


def sign_in(page: Page, email: str, password: str = factories.DEFAULT_PASSWORD) -> None:
    """Fill in the sign-in form and wait for the page it leads to."""
    if "/auth/login" not in page.url:
        page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form [type=submit]")


def sign_out(page: Page) -> None:
    """Press the sign-out button in the navigation."""
    with page.expect_navigation():
        page.click("nav form[action$='/auth/logout'] button")


def pick(page: Page, label: str, typed: str, option: str) -> None:
    """In a search picker, type part of a name and tap the option that holds `option`."""
    page.wait_for_load_state()  # the picker script runs deferred: before it, the combobox is the plain select
    box = page.get_by_role("combobox", name=label)
    # A single-choice box with a value keeps its text input off screen until focused, so focus it, not click.
    box.focus()
    box.press_sequentially(typed, delay=40)
    page.locator(".ts-dropdown [role='option']").filter(has_text=option).first.click()
    expect(page.locator(".ts-control .item").filter(has_text=option).first).to_be_visible()


def plan_drive(page: Page, title: str, starts: str, ends: str, area: str, kind: str = "door_to_door") -> None:
    """From the drives list, plan a drive for one kelurahan (typed by name) with its assigned promoters.

    Times are 'YYYY-MM-DDTHH:MM' WIB.
    """
    with page.expect_navigation():
        page.get_by_role("button", name="Jadwalkan kegiatan").click()
    page.get_by_label("Jenis").select_option(kind)
    page.get_by_label("Judul").fill(title)
    page.get_by_label("Mulai (WIB)").fill(starts)
    page.get_by_label("Selesai (WIB)").fill(ends)
    pick(page, "Kelurahan sasaran atau seluruh kecamatan", area[:4].lower(), area)
    page.get_by_label("Sertakan juga semua promotor aktif").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan kegiatan").click()


def decode_qr_codes(pdf_path: Path, workdir: Path) -> list[str]:
    """Every QR code on every page of a PDF, as a phone camera would read it (pdftoppm, then zbarimg)."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf_path), str(workdir / "page")], check=True)
    found = []
    for png in sorted(workdir.glob("page*.png")):
        result = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
        found += [line for line in result.stdout.splitlines() if line]
    return found


def link_code(short_url: str) -> str:
    """The link code a short URL ends in ('https://…/s/AB12CD?q=1' → 'AB12CD')."""
    return urlsplit(short_url).path.rsplit("/", 1)[1]


def open_like_a_phone(browser: Browser, live_server: str, url: str) -> str:
    """Open a scanned short URL in a fresh phone browser; return the survey address it was redirected to.

    The public short-link host is this app, served here on loopback, so the phone asks the live server
    for the same path and query. Playwright cannot route a request that a redirect started, and the
    survey host does not resolve here, so this watches the redirected request itself.
    """
    assert url.startswith(PUBLIC_HOST + "/")
    local = live_server + url[len(PUBLIC_HOST) :]
    context = new_context(browser, live_server, viewport=PHONE, user_agent=ANDROID_CHROME)
    try:
        page = context.new_page()
        with page.expect_request(lambda request: request.redirected_from is not None) as redirected:
            page.evaluate("url => { window.location.href = url; }", local)
        request = redirected.value
        assert request.redirected_from.url == local
        assert request.is_navigation_request()
        return request.url
    finally:
        context.close()


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as <SCREENSHOT_DIR>/<name>.png, for review by eye."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing sticks out sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2.1 A/AA) on the page.

    The app's CSP forbids injected scripts, so call this only on a page of a context made with
    bypass_csp=True.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    return [v for v in found if v["impact"] in SERIOUS]


def describe(violations: list[dict]) -> str:
    """Violations as readable JSON, for an assertion message."""
    return json.dumps(violations, indent=1, ensure_ascii=False)
