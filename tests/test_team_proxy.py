"""Trusted reverse-proxy sign-in against the real server: the header is believed only from the
configured proxy addresses. Chromium plays the proxy by sending the header itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.query import warehouse
from tests.test_browser import CHROMIUM_ARGS, _free_port, browser_path, settle

pytestmark = pytest.mark.browser
__all__ = ["browser_path"]  # the shared fixture

SIDEBAR = '[data-testid="stSidebar"]'


def serve(home: Path, db: Path, trusted: str) -> tuple[subprocess.Popen, str]:
    (home / "settings.yaml").write_text(
        "auth:\n  admins: [ana@acme.test]\n  default_role: viewer\n"
        "  proxy:\n    header: X-Forwarded-Email\n    name_header: X-Forwarded-User\n"
        f"    trusted: [{trusted}]\n"
    )
    port = _free_port()
    env = {
        **os.environ,
        warehouse.DB_ENV_VAR: str(db),
        "BACKORDER_SETTINGS": str(home / "settings.yaml"),
        "BACKORDER_NOTES": str(home / "notes.sqlite"),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(warehouse.PROJECT_ROOT / "streamlit_app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the Streamlit server did not start within 60 s")


@pytest.fixture
def run_server(handmade_db: Path, tmp_path: Path, browser_path: str) -> Iterator:
    started: list[subprocess.Popen] = []

    def start(trusted: str) -> str:
        db = tmp_path / "warehouse.duckdb"
        shutil.copy(handmade_db, db)
        process, url = serve(tmp_path, db, trusted)
        started.append(process)
        return url

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


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
