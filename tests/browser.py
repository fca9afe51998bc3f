"""Playwright driving Debian's Chromium against pytest-django's live server, shared by every
test suite (one Playwright, one browser per session; a fresh context per test)."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM}: run `make browser`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@dataclass
class Browsing:
    """A page of a fresh browser context, and every error its console reported."""

    page: object
    base_url: str
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_in(self, username: str, password: str = "correct-horse-battery") -> None:  # noqa: S107
        self.go("/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def screenshot(self, name: str, **kwargs: object) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), **kwargs)
        return path


@pytest.fixture
def browsing(chromium, live_server) -> Iterator[Browsing]:
    """A desktop-sized page against the live server, recording console errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    browsing = Browsing(page=page, base_url=live_server.url)
    page.on("console", lambda message: message.type == "error"
            and browsing.errors.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: browsing.errors.append(f"page error: {error}"))
    yield browsing
    context.close()
