"""The app's own server refuses Streamlit's public /_stcore/metrics once sign-in is configured
(dashboard/app/server_guards.py), against the real server `python -m dashboard run` starts."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dashboard.app import server_guards
from dashboard.query import warehouse

PROXY = "auth:\n  proxy:\n    header: X-Forwarded-Email\n    trusted: [127.0.0.1/32]\n"
OIDC = (
    "[auth]\n"
    'redirect_uri = "http://127.0.0.1:9/oauth2callback"\n'
    'cookie_secret = "a-long-random-cookie-secret-for-tests"\n'
    'client_id = "backorder-desk"\n'
    'client_secret = "test-client-secret"\n'
    'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
)


def status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def env_for(home: Path, handmade_db: Path, settings_text: str) -> dict[str, str]:
    (home / "settings.yaml").write_text(settings_text)
    return {
        warehouse.DB_ENV_VAR: str(handmade_db),
        "BACKORDER_SETTINGS": str(home / "settings.yaml"),
        "BACKORDER_NOTES": str(home / "notes.sqlite"),
    }


def test_without_sign_in_streamlit_still_serves_metrics_at_the_guarded_path(
    handmade_db: Path, tmp_path: Path, streamlit_server
) -> None:
    """The one laptop keeps Streamlit's endpoint; and if Streamlit ever moves it, this fails
    rather than the guard silently guarding nothing."""
    with streamlit_server(env_for(tmp_path, handmade_db, ""), cwd=tmp_path) as url:
        code, body = status(f"{url}{server_guards.METRICS}")
    assert code == 200
    assert "session_events" in body or "# EOF" in body


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/", "//_stcore/metrics"])
def test_proxy_sign_in_refuses_metrics_and_keeps_health(
    handmade_db: Path, tmp_path: Path, streamlit_server, path: str
) -> None:
    with streamlit_server(env_for(tmp_path, handmade_db, PROXY), cwd=tmp_path) as url:
        code, body = status(f"{url}{path}")
        health, _ = status(f"{url}/_stcore/health")
    assert code == 404
    assert "sign-in is configured" in body
    assert "session" not in body
    assert health == 200


def test_oidc_sign_in_refuses_metrics(handmade_db: Path, tmp_path: Path, streamlit_server) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(OIDC)
    with streamlit_server(env_for(tmp_path, handmade_db, ""), cwd=tmp_path) as url:
        code, _ = status(f"{url}/_stcore/metrics")
        health, _ = status(f"{url}/_stcore/health")
    assert (code, health) == (404, 200)


def test_an_unreadable_settings_file_keeps_metrics_refused(
    handmade_db: Path, tmp_path: Path, streamlit_server
) -> None:
    """Fail closed: the guard cannot tell whether sign-in is on, so it refuses."""
    env = env_for(tmp_path, handmade_db, "auth: [not, a, mapping\n")
    with streamlit_server(env, cwd=tmp_path) as url:
        code, _ = status(f"{url}/_stcore/metrics")
    assert code == 404
