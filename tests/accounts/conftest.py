"""Fixtures of the accounts tests: clients per role (the web tests' own), invitations, the link
an email carries, and Chromium in a thread of its own for the browser tests."""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from core import invitations
from core.models import Invitation
from tests.conftest import Team
from tests.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Browsing,
    client_as,  # noqa: F401 (a fixture)
)

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "plum-orbit-candle-91"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The sign-up rate limit counts in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invite(team: Team, mailoutbox):
    """Invite `email` to the team's organization with `role`, as the team's admin."""

    def make(email: str = "newcomer@example.com", role: str = "member", by=None) -> Invitation:
        return invitations.invitation_create(organization=team.org, email=email, role=role,
                                             invited_by=by or team.admin)

    return make


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def link_path(message, marker: str) -> str:
    """The path of the link containing `marker` in the email's text part, checking that the
    HTML part carries the same link."""
    text_links = [link for link in links_in(message.body) if marker in link]
    assert len(text_links) == 1, message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{text_links[0]}"' in html
    return urlsplit(text_links[0]).path


@pytest.fixture
def in_browser(live_server) -> Callable[[Callable[..., Any]], Any]:
    """Run `steps(open_page)` with Debian's Chromium against the live server, where
    `open_page()` gives a Browsing (tests/web/conftest.py) in a fresh browser context — a
    separate person — and returns what `steps` returns.

    The steps run in a thread with a Playwright of their own: the web tests' session-wide
    Chromium keeps Playwright's event loop running in the main thread, and a second sync
    Playwright there would fail. Keep ORM calls out of `steps`: run them after.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM}: run `make browser`.")

    def run(steps: Callable[..., Any]) -> Any:
        def in_thread() -> Any:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                     headless=True)

                def open_page() -> Browsing:
                    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    page.set_default_timeout(15_000)
                    browsing = Browsing(page=page, base_url=live_server.url)
                    page.on("console", lambda message: message.type == "error"
                            and browsing.errors.append(f"console: {message.text}"))
                    page.on("pageerror", lambda error: browsing.errors.append(f"page error: {error}"))
                    return browsing

                try:
                    return steps(open_page)
                finally:
                    browser.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(in_thread).result(timeout=180)

    return run
