"""The container's entry command and settings, run without Docker (none on the test machines):
the CMD and ENV lines of the Dockerfile, pointed at a temp /data, must serve with proxy sign-in
and must refuse to listen on every interface when no sign-in is configured."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dashboard.query import warehouse
from tests.conftest import free_port

DOCKERFILE = warehouse.PROJECT_ROOT / "Dockerfile"


def image() -> tuple[list[str], dict[str, str], str]:
    text = DOCKERFILE.read_text()
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))
    block = re.search(r"^ENV (.*?)\n\n", text, re.MULTILINE | re.DOTALL).group(1).replace("\\\n", " ")
    env = dict(pair.split("=", 1) for pair in shlex.split(block))
    health = re.search(r"CMD (python -c .*)$", text, re.MULTILINE).group(1)
    return command, env, health


def test_the_image_runs_as_a_non_root_user_with_data_on_a_volume() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^USER desk$", text, re.MULTILINE)
    assert 'VOLUME ["/data"]' in text
    _, env, health = image()
    assert all(
        env[name].startswith("/data/") for name in ("BACKORDER_DB", "BACKORDER_NOTES", "BACKORDER_SETTINGS")
    )
    assert "/_stcore/health" in health


def _as_container(
    tmp_path: Path, settings_text: str, handmade_db: Path
) -> tuple[list[str], dict[str, str], str]:
    command, env, health = image()
    port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(handmade_db, data / "warehouse.duckdb")
    (data / "settings.yaml").write_text(settings_text)
    env = {name: value.replace("/data/", f"{data}/") for name, value in env.items()}
    command = [sys.executable if part == "python" else part for part in command]
    command = [str(port) if part == "8501" else part for part in command]
    return command, {**os.environ, **env}, health.replace("8501", str(port))


def test_entry_command_serves_with_proxy_sign_in_and_passes_the_health_check(
    tmp_path: Path, handmade_db: Path
) -> None:
    settings_text = "auth:\n  proxy:\n    header: X-Forwarded-Email\n    trusted: [127.0.0.1]\n"
    command, env, health = _as_container(tmp_path, settings_text, handmade_db)
    process = subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, text=True, cwd=warehouse.PROJECT_ROOT
    )
    try:
        health_command = [sys.executable, *shlex.split(health)[1:]]
        deadline = time.monotonic() + 60
        while subprocess.run(health_command, capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "the health check never passed"
            assert process.poll() is None
            time.sleep(0.5)
        port = command[command.index("--port") + 1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "Sign-in: proxy. Listening on 0.0.0.0" in process.stderr.read()


def test_entry_command_without_sign_in_refuses_to_listen_on_every_interface(
    tmp_path: Path, handmade_db: Path
) -> None:
    command, env, _ = _as_container(tmp_path, "", handmade_db)
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, cwd=warehouse.PROJECT_ROOT
    )
    assert done.returncode != 0
    assert "no sign-in is configured: add --listen-anywhere to listen on 0.0.0.0" in done.stderr
