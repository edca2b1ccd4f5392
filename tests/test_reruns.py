"""Every rerun is logged with its page, session, seconds and CPU seconds (dashboard/app/reruns.py)."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import settings
from dashboard.query import warehouse

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")


def test_each_rerun_is_logged_with_page_session_and_times(
    handmade_db: Path, use_db, tmp_path: Path, monkeypatch
) -> None:
    use_db(handmade_db)
    log = tmp_path / "reruns.jsonl"
    config = tmp_path / "settings.yaml"
    config.write_text(f"performance:\n  rerun_log: {log}\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(config))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("dashboard/app/pages/backorders.py")
    at.run()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [record["page"] for record in records] == ["weekly_review", "backorders"]
    assert len({record["session"] for record in records}) == 1
    for record in records:
        assert 0 < record["seconds"] < 120 and 0 < record["cpu_seconds"] <= record["seconds"] * 2 + 0.5
