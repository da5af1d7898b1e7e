"""Playwright driving Debian's Chromium against the live test server.

Runs when BROWSER_TESTS=1 (CI), or when /usr/bin/chromium exists and BROWSER_TESTS is unset; never
downloads a browser.
"""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def _wanted() -> bool:
    flag = os.environ.get("BROWSER_TESTS", "")
    if flag:
        return flag == "1"
    return os.path.exists(CHROMIUM)


def pytest_collection_modifyitems(config, items):
    if _wanted():
        return
    skip = pytest.mark.skip(reason="browser tests off (set BROWSER_TESTS=1 and install Debian's chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test itself
    # (setting up data) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"BROWSER_TESTS=1 but {CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def login(browser, live_server):
    """Open a fresh browser context logged in as `user` (password set by the factories).

    Every page opened this way also fails the test if the browser reports a Content-Security-Policy
    violation: the site's pages must work with scripts from our own static files only.
    """
    contexts, violations = [], []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )

    def as_user(user, password="pw-for-tests-1"):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        context.on("page", watch)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield as_user
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
