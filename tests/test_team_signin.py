"""Signing in for real: a local OIDC provider, the app's st.login, and what each role sees.

The provider (oidc-provider-mock) and the app both run on 127.0.0.1, started here; Chromium signs
in through the provider's own form, as a person would. Roles come from a settings file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.query import warehouse
from tests.conftest import ARTIFACTS, CHROMIUM_ARGS, free_port, settle

pytestmark = pytest.mark.browser

SETTINGS = """
auth:
  admins: [ana@acme.test]
  editors: ["@acme.test"]
  viewers: [vic@else.test]
  default_role: none
"""
SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub="ana@acme.test", claims={"email": "ana@acme.test", "name": "Ana Admin"}),
        User(sub="eve@acme.test", claims={"email": "eve@acme.test", "name": "Eve Editor"}),
        User(sub="vic@else.test", claims={"email": "vic@else.test", "name": "Vic Viewer"}),
        User(sub="mal@else.test", claims={"email": "mal@else.test", "name": "Mal Stranger"}),
    ]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("team")


@pytest.fixture(scope="module")
def app(provider: str, handmade_db: Path, browser_path: str, home: Path, streamlit_server) -> Iterator[str]:
    db = home / "warehouse.duckdb"
    shutil.copy(handmade_db, db)
    (home / ".streamlit").mkdir()
    shutil.copy(warehouse.PROJECT_ROOT / ".streamlit" / "config.toml", home / ".streamlit" / "config.toml")
    (home / "settings.yaml").write_text(SETTINGS)
    env = {
        warehouse.DB_ENV_VAR: str(db),
        "BACKORDER_SETTINGS": str(home / "settings.yaml"),
        "BACKORDER_NOTES": str(home / "notes.sqlite"),
    }
    port = free_port()  # the redirect URI names the port before the server starts
    (home / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-cookie-secret-for-tests"\n'
        'client_id = "backorder-desk"\n'
        'client_secret = "test-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    with streamlit_server(env, cwd=home, port=port) as url:
        yield url


@pytest.fixture(scope="module")
def browser(browser_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(browser, app: str, email: str):
    """A fresh browser profile signs in through the provider's form and lands back on the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app)
    settle(page)
    assert page.get_by_text("Sign in to see the dashboard").count() == 1
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.fill('input[name="sub"]', email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app}/**", timeout=30_000)
    settle(page)
    return page


def test_admin_signs_in_sees_loading_and_the_audit_trail_then_signs_out(browser, app: str) -> None:
    page = sign_in(browser, app, "ana@acme.test")
    assert "Signed in as Ana Admin (admin)" in page.locator(SIDEBAR).inner_text()
    assert page.get_by_role("button", name="Add note").count() == 1
    page.goto(f"{app}/data")
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-admin-data.png"), full_page=True)
    assert page.get_by_text("Load your own files").count() == 1
    assert page.get_by_text("Audit trail").count() == 1
    page.get_by_role("button", name="Sign out").click()
    # st.logout clears the cookie, then sends the browser to the provider's end_session (and back to
    # oauth2callback); waiting for that, not a fixed pause, which lost the race on a busy machine
    page.wait_for_url(lambda url: "/oauth2" in url, timeout=60_000, wait_until="commit")
    page.goto(app)
    settle(page)
    assert page.get_by_text("Sign in to see the dashboard").count() == 1
    page.context.close()


def test_editor_writes_notes_but_cannot_load(browser, app: str) -> None:
    page = sign_in(browser, app, "eve@acme.test")
    assert "Signed in as Eve Editor (editor)" in page.locator(SIDEBAR).inner_text()
    page.get_by_label("Add a note").fill("Port strike ![x](http://beacon.test/p.png)")
    page.get_by_role("button", name="Add note").click()
    settle(page)
    assert page.get_by_text("Port strike ![x](http://beacon.test/p.png)").count() >= 1
    assert page.get_by_text("by Eve Editor").count() == 1
    assert page.locator('img[src*="beacon.test"]').count() == 0
    page.goto(f"{app}/data")
    settle(page)
    assert page.get_by_text("Load your own files").count() == 0
    assert page.get_by_text("Audit trail").count() == 0
    page.context.close()


def test_viewer_sees_pages_but_no_note_or_load_controls(browser, app: str) -> None:
    page = sign_in(browser, app, "vic@else.test")
    assert "Signed in as Vic Viewer (viewer)" in page.locator(SIDEBAR).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-viewer-home.png"), full_page=True)
    assert page.get_by_role("button", name="Add note").count() == 0
    assert page.get_by_role("button", name="Delete").count() == 0
    assert page.get_by_text("Download the meeting report").count() >= 1
    page.goto(f"{app}/data")
    settle(page)
    assert page.get_by_text("Load your own files").count() == 0
    page.context.close()


def test_address_without_a_role_is_refused_and_recorded(
    browser, app: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = sign_in(browser, app, "mal@else.test")
    assert page.get_by_text("this address has no role").count() == 1
    assert page.get_by_text("Weekly review").count() == 0
    page.context.close()
    admin = sign_in(browser, app, "ana@acme.test")
    admin.goto(f"{app}/data")
    settle(admin)
    table = admin.locator('[data-testid="stDataFrame"]').last
    table.scroll_into_view_if_needed()
    admin.screenshot(path=str(ARTIFACTS / "team-audit.png"), full_page=True)
    from dashboard.review import audit

    monkeypatch.setenv("BACKORDER_NOTES", str(home / "notes.sqlite"))
    trail = audit.recent()
    assert ((trail["who"] == "mal@else.test") & (trail["outcome"] == "refused")).any()
    admin.context.close()
