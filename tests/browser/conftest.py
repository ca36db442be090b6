"""Real Chromium (Debian's package) driven by Playwright against the live test server.

Without /usr/bin/chromium these tests skip, unless KIM_REQUIRE_BROWSER=1 (set by .ci/run),
where they must run."""

import os
import shutil

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from kimtracker.roles import STAF

from ..conftest import user_with_role

CHROMIUM = os.environ.get("KIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "uji-peramban-2026"

# Playwright's sync API runs an event loop in this thread; Django's live server tests then
# touch the database from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class SerialLiveServer(WSGIServer):
    """The live server answers one request at a time. On SQLite the test database is in
    memory and every request thread of Django's threaded live server shares the test's one
    connection; a page's background requests (the service worker keeping an officer's pages
    for offline use, three at a time) then used it from several threads at once and hung the
    suite. Django answers ``Connection: close`` from a server without threads, so a waiting
    browser connection never blocks the next one."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


LiveServerThread.server_class = SerialLiveServer


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("KIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}, and KIM_REQUIRE_BROWSER=1")
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page whose Content-Security-Policy violations fail the test: Chromium reports each
    refused script, style or inline style on the console."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not violations, violations


@pytest.fixture
def officer(transactional_db):
    """A Staf user with a known password (the name is the role's: staff browse coverage)."""
    user = user_with_role("staf", STAF)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def logged_in(page, live_server, officer):
    """Log in through the log-in form, as a user does."""
    page.goto(f"{live_server.url}/akun/masuk/")
    page.fill("#id_username", "staf")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]:has-text('Masuk')")
    page.wait_for_url(f"{live_server.url}/")
    return page
