"""The admin's settings view on the Data page: an admin sees the settings in effect (secrets hidden)
and changes a KPI target, written to the settings file and the audit trail; a viewer or an editor
sees none of it, and the change is refused on the server when they try it anyway."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import access, settings
from dashboard.app import actions, signin
from dashboard.query import warehouse
from dashboard.review import audit, notes, targets, weekly
from tests.conftest import APP

DATA = "dashboard/app/pages/data.py"
SETTINGS = """\
# the team's settings
auth:
  admins: [ana@acme.test]
  editors: [eve@acme.test]
  default_role: viewer

delivery:
  email:
    host: smtp.example.com
    password: hunter2      # a secret that should not be here, and is never shown
    password_env: SMTP_PASSWORD

targets:
  unit_fill_rate: {at_least: 0.9}
"""


@pytest.fixture
def team(handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_db, db)
    file = tmp_path / "settings.yaml"
    file.write_text(SETTINGS)
    monkeypatch.setenv(warehouse.DB_ENV_VAR, str(db))
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(file))
    monkeypatch.setenv(notes.NOTES_ENV_VAR, str(tmp_path / "notes.sqlite"))
    monkeypatch.setattr(signin, "oidc_configured", lambda: True)
    return file


def on_data_page(email: str) -> AppTest:
    """A session signed in through OIDC (st.user as the provider fills it), on the Data page."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0].title()}
    at.run()
    at.switch_page(DATA)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_admin_sees_the_settings_with_secrets_hidden_and_changes_a_target(team: Path) -> None:
    at = on_data_page("ana@acme.test")
    assert "Settings" in [h.value for h in at.header]
    [shown] = [c.value for c in at.code if "sign_in:" in c.value]
    assert "hunter2" not in shown and settings.MASK in shown
    assert "SMTP_PASSWORD" in shown and "session_timeout_minutes: 480" in shown
    assert "kind: file" in shown and "motherduck_token_env: motherduck_token" in shown  # the warehouse
    assert at.number_input(key="settings.unit_fill_rate.at_least").value == 0.9
    at.number_input(key="settings.unit_fill_rate.at_least").set_value(0.95)
    at.number_input(key="settings.backorder_rate_lines.at_most").set_value(0.1)
    [save] = [b for b in at.button if b.label == "Save targets"]
    save.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success if "Saved" in s.value]
    assert targets.load(weekly.METRICS, team) == {
        "unit_fill_rate": targets.Target("unit_fill_rate", at_least=0.95),
        "backorder_rate_lines": targets.Target("backorder_rate_lines", at_most=0.1),
    }
    text = team.read_text()
    assert text.startswith("# the team's settings\n") and "password: hunter2      # a secret" in text
    trail = audit.recent()
    change = trail[trail["action"] == "settings changed"].iloc[0]
    assert (change["who"], change["outcome"]) == ("ana@acme.test", "ok")
    assert "0.95" in change["detail"] and "hunter2" not in change["detail"]


@pytest.mark.parametrize("email", ["vic@else.test", "eve@acme.test"])
def test_viewer_and_editor_neither_see_nor_can_change_the_settings(team: Path, email: str) -> None:
    at = on_data_page(email)
    assert "Settings" not in [h.value for h in at.header]
    assert not [c for c in at.code if "sign_in:" in c.value]
    assert not [b for b in at.button if b.label == "Save targets"]
    who = at.session_state[signin.STATE]
    assert who.role in (access.Role.VIEWER, access.Role.EDITOR)
    before = team.read_text()
    message = actions.change_targets({"unit_fill_rate": {"at_least": 0.1}}, who)  # a crafted request
    assert message and "needs the admin role" in message
    with pytest.raises(access.Refused):
        targets.save({"unit_fill_rate": {"at_least": 0.1}}, weekly.METRICS, who)
    assert team.read_text() == before
    trail = audit.recent()
    assert ((trail["who"] == email) & (trail["outcome"] == "refused")).any()


def test_a_bad_target_is_refused_with_the_file_unchanged(team: Path) -> None:
    admin = access.Identity("ana@acme.test", "Ana", access.Role.ADMIN, "oidc")
    before = team.read_text()
    message = actions.change_targets({"not_a_kpi": {"at_least": 1.0}}, admin)
    assert message and "not a headline KPI" in message
    assert team.read_text() == before
    assert (audit.recent()["outcome"] == "failed").any()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"unit_fill_rate": {"at_least": True}}, "must be a number"),
        ({"unit_fill_rate": {"at_least": "0.9; rm -rf"}}, "must be a number"),
        ({"unit_fill_rate": 0.9}, "give {at_least: number}"),
        ({"unit_fill_rate": {"at_leat": 0.9}}, "unknown key 'at_leat'"),
    ],
)
def test_a_crafted_section_is_checked_like_a_hand_written_one(
    team: Path, section: dict, message: str
) -> None:
    admin = access.Identity("ana@acme.test", "Ana", access.Role.ADMIN, "oidc")
    before = team.read_text()
    with pytest.raises(settings.SettingsError, match=message):
        targets.save(section, weekly.METRICS, admin)
    assert team.read_text() == before
