"""Two app processes behind Caddy (deploy/Caddyfile.replicas) on one warehouse, against the real
servers on 127.0.0.1: each session stays on one process, both serve, and both follow a load that
swaps the warehouse file."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import protocol
from dashboard import ingest, settings
from dashboard.query import warehouse
from tests.conftest import FIXTURES, free_port

CADDYFILE = warehouse.PROJECT_ROOT / "deploy" / "Caddyfile.replicas"
COOKIE = "desk_replica"  # the cookie the Caddyfile's lb_policy names
PAGES = ("", "backorders", "suppliers")


def caddy() -> str:
    found = shutil.which("caddy")
    if found:
        return found
    if os.environ.get("CI") or os.environ.get("BACKORDER_REQUIRE_BROWSER"):
        pytest.fail("the replica test must run in CI, but caddy is missing (apt-get install caddy)")
    pytest.skip("no caddy found: install it (apt-get install caddy) to run the replica test")


def wait_healthy(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer within 90 s")


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[str, Path, list[tuple[int, Path]]]]:
    """Proxy URL, warehouse path and each app process's (pid, rerun log)."""
    binary = caddy()
    db = tmp_path / "warehouse.duckdb"
    ingest.load(FIXTURES / "handmade", db)
    started: list[subprocess.Popen] = []
    apps, upstreams = [], []
    try:
        for number in range(2):
            log = tmp_path / f"reruns-{number}.jsonl"
            config = tmp_path / f"settings-{number}.yaml"
            config.write_text(json.dumps({"performance": {"rerun_log": str(log)}}))
            port = free_port()
            env = {**os.environ, warehouse.DB_ENV_VAR: str(db), settings.SETTINGS_ENV_VAR: str(config)}
            command = [
                sys.executable, "-m", "streamlit", "run", str(warehouse.PROJECT_ROOT / "streamlit_app.py"),
                "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false",
            ]  # fmt: skip
            app = subprocess.Popen(
                command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            started.append(app)
            wait_healthy(f"http://127.0.0.1:{port}", app, f"app process {number}")
            apps.append((app.pid, log))
            upstreams.append(f"127.0.0.1:{port}")
        port = free_port()
        env = {
            **os.environ,
            "DESK_SITE": f"http://127.0.0.1:{port}",
            "DESK_BIND": "127.0.0.1",
            "DESK_REPLICAS": " ".join(upstreams),
            "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        }
        command = [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
        proxy = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(proxy)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proxy, "caddy")
        yield url, db, apps
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def new_browser(url: str) -> str:
    """A first request as a new browser makes it: the Cookie header the proxy asks it to send back."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{url}/", timeout=10) as response:
        assert response.status == 200
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert COOKIE in cookies, f"the proxy set no {COOKIE} cookie: {cookies}"
    return f"{COOKIE}={cookies[COOKIE]}"


def reruns(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def visit_on(url: str, page: str, cookie: str, apps: list[tuple[int, Path]]) -> int:
    """Run one page as a session of this browser; the pid of the process that ran it."""
    before = [reruns(log) for _, log in apps]
    result = asyncio.run(protocol.visit(f"{url}/{page}", 120, cookie))
    assert result.seconds is not None and not result.errors, result.errors
    grew = [pid for (pid, log), count in zip(apps, before, strict=True) if reruns(log) > count]
    assert len(grew) == 1, f"one visit, reruns logged by {grew}"
    return grew[0]


def test_sessions_stick_to_one_process_and_both_follow_a_swap(replicas) -> None:
    url, db, apps = replicas
    # New browsers until the proxy has placed one on each process (it places them at random).
    browsers: dict[str, int] = {}
    for _ in range(40):
        cookie = new_browser(url)
        if cookie not in browsers:
            browsers[cookie] = visit_on(url, "", cookie, apps)
        if len(set(browsers.values())) == 2:
            break
    assert sorted(set(browsers.values())) == sorted(pid for pid, _ in apps), "both processes serve"
    for cookie, pid in browsers.items():
        assert {visit_on(url, page, cookie, apps) for page in PAGES} == {pid}, "a browser sticks"

    version = warehouse.version(db)
    ingest.load(FIXTURES / "canonical_good", db)  # a load swaps in another file under both
    assert warehouse.version(db) != version
    for cookie, pid in browsers.items():
        assert visit_on(url, "backorders", cookie, apps) == pid
    # Each process opened the new file through a version link of its own.
    new = warehouse.version(db)
    for pid, _ in apps:
        assert (db.parent / f".{db.name}.v{new}.p{pid}").exists(), f"process {pid} did not follow the swap"
