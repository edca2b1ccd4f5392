"""Trusted reverse-proxy sign-in against the real server: the header is believed only from the
configured proxy addresses. Chromium plays the proxy by sending the header itself."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.query import warehouse
from tests.conftest import CHROMIUM_ARGS, settle

pytestmark = pytest.mark.browser

SIDEBAR = '[data-testid="stSidebar"]'


def _settings(home: Path, trusted: str) -> None:
    (home / "settings.yaml").write_text(
        "auth:\n  admins: [ana@acme.test]\n  default_role: viewer\n"
        "  proxy:\n    header: X-Forwarded-Email\n    name_header: X-Forwarded-User\n"
        f"    trusted: [{trusted}]\n"
    )


@pytest.fixture
def run_server(handmade_db: Path, tmp_path: Path, browser_path: str, streamlit_server) -> Iterator:
    with contextlib.ExitStack() as servers:

        def start(trusted: str) -> str:
            db = tmp_path / "warehouse.duckdb"
            shutil.copy(handmade_db, db)
            _settings(tmp_path, trusted)
            env = {
                warehouse.DB_ENV_VAR: str(db),
                "BACKORDER_SETTINGS": str(tmp_path / "settings.yaml"),
                "BACKORDER_NOTES": str(tmp_path / "notes.sqlite"),
            }
            return servers.enter_context(streamlit_server(env, cwd=tmp_path))

        yield start


def open_as(browser_path: str, url: str, headers: dict[str, str]) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        page = browser.new_context(extra_http_headers=headers).new_page()
        page.goto(url)
        settle(page)
        shown = page.locator('[data-testid="stApp"]').inner_text()
        browser.close()
    return shown


def test_header_from_a_trusted_proxy_signs_the_person_in(run_server, browser_path: str) -> None:
    url = run_server("127.0.0.1/32")
    shown = open_as(browser_path, url, {"X-Forwarded-Email": "ana@acme.test", "X-Forwarded-User": "Ana"})
    assert "Signed in as Ana (admin)" in shown
    assert "Weekly review" in shown


def test_header_from_anywhere_else_is_refused(
    run_server, browser_path: str, tmp_path: Path, monkeypatch
) -> None:
    url = run_server("10.0.0.0/8")
    shown = open_as(browser_path, url, {"X-Forwarded-Email": "ana@acme.test"})
    assert "did not come through the sign-in proxy" in shown
    assert "Signed in as" not in shown
    monkeypatch.setenv("BACKORDER_NOTES", str(tmp_path / "notes.sqlite"))
    from dashboard.review import audit

    assert (audit.recent()["outcome"] == "refused").any()
