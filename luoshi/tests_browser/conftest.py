"""Browser tests: Playwright (sync API) driving Debian's Chromium against live_server.

They skip cleanly when Playwright or /usr/bin/chromium is missing; `make test`
installs both on a machine where it may.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# the test itself (setting up data) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("LUOSHI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests_browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Session:
    """One person at the browser: log in and out, go to pages, act."""

    def __init__(self, page, base_url: str):
        self.page, self.base = page, base_url

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def login(self, username: str, password: str = "pw") -> None:
        self.page.context.clear_cookies()
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("form[action='/login/'] button[type=submit]")
        self.page.wait_for_url(self.base + "/")

    def count(self, section: str) -> int:
        return int(self.page.inner_text(f"#count-{section} .n"))

    def open_action(self, verb: str):
        details = self.page.locator(f"#act-{verb}")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        return details

    def pick_unit(self, field_id: str, text: str, unit) -> None:
        """Type `text` into a unit picker (its text field's id) and click `unit` among the
        units found (org.forms.UnitField / UnitsField)."""
        with self.page.expect_response(lambda r: "/units/search/" in r.url):
            self.page.locator(f"#{field_id}").press_sequentially(text, delay=50)
        option = self.page.locator(f"#{field_id}-options [data-pick-unit='{unit.pk}']")
        option.wait_for()
        option.click()

    def act(self, verb: str, **fields) -> None:
        """Fill the action's form (by field name) and submit it; wait for the htmx swap.
        A unit (an org Unit) is picked by typing its name into the field's picker."""
        form = self.open_action(verb).locator("form")
        for name, value in fields.items():
            if hasattr(value, "aliases"):  # a Unit
                self.pick_unit(f"id_{verb}-{name}", value.name, value)
                continue
            control = form.locator(f"[name='{verb}-{name}']")
            tag = control.evaluate("e => e.tagName.toLowerCase()")
            if tag == "select":
                control.select_option(str(value))
            elif control.get_attribute("type") == "file":
                control.set_input_files(value)
            else:
                control.fill(str(value))
        with self.page.expect_response(lambda r: f"/act/{verb}/" in r.url):
            form.locator("button[type=submit]").click()
        # htmx swaps the fresh matter in, with the success message or the form's errors.
        self.page.wait_for_selector("#matter .messages li, #matter .errorlist")

    def shot(self, name: str) -> None:
        if os.environ.get("LUOSHI_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def session(browser_page, live_server):
    return Session(browser_page, live_server.url)
