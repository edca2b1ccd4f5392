"""Roles from the settings file, enforced on the server: a viewer session driven against the load
and note actions is refused, nothing changes, and the audit trail records it."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import access, ingest, settings
from dashboard.app import signin
from dashboard.ingest import upload
from dashboard.query import runner, warehouse
from dashboard.review import audit, notes, report, weekly

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
GOOD = Path(__file__).parent / "fixtures" / "canonical_good"
SETTINGS = """
auth:
  admins: [ana@acme.test]
  editors: ["@acme.test"]
  viewers: [vic@else.test]
  default_role: none
"""


class Upload:
    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.data = path.read_bytes()
        self.size = len(self.data)

    def getbuffer(self) -> memoryview:
        return memoryview(self.data)


@pytest.fixture
def team(handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_db, db)
    (tmp_path / "settings.yaml").write_text(SETTINGS)
    monkeypatch.setenv(warehouse.DB_ENV_VAR, str(db))
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    monkeypatch.setenv(notes.NOTES_ENV_VAR, str(tmp_path / "notes.sqlite"))
    return db


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_roles_by_address_then_domain_then_default() -> None:
    rules = access.parse(
        {
            "admins": ["Ana@Acme.test"],
            "editors": ["@acme.test"],
            "viewers": ["@acme.test"],
            "default_role": "none",
        }
    )
    assert rules.role_for("ana@acme.test") is access.Role.ADMIN
    assert rules.role_for("eve@ACME.test") is access.Role.EDITOR  # the higher of two domain entries
    assert rules.role_for("mal@else.test") is None
    assert access.parse({}).role_for("anyone@else.test") is access.Role.VIEWER


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"default_role": "boss"}, "default_role"),
        ({"admins": "ana@acme.test"}, "auth.admins must be a list"),
        ({"proxy": {"header": "X-Forwarded-Email"}}, "lists no proxy address"),
        ({"proxy": {"header": "X-Email", "trusted": ["not-an-ip"]}}, "auth.proxy.trusted"),
        ({"timeout": 5}, "unknown key 'timeout'"),
    ],
)
def test_bad_auth_settings_name_the_key(section: dict, message: str) -> None:
    with pytest.raises(settings.SettingsError, match=message):
        access.parse(section)


def test_proxy_header_is_trusted_only_from_configured_addresses() -> None:
    proxy = access.parse({"proxy": {"header": "X-Forwarded-Email", "trusted": ["10.0.0.0/8", "::1"]}}).proxy
    assert proxy.trusts("10.1.2.3") and proxy.trusts("::1")
    assert not proxy.trusts("192.168.1.5")
    assert not proxy.trusts(None) and not proxy.trusts("evil")


def signed_in(email: str, monkeypatch: pytest.MonkeyPatch, page: str | None = None) -> AppTest:
    """The whole app as a session signed in through OIDC: st.user carries what the provider said."""
    monkeypatch.setattr(signin, "oidc_configured", lambda: True)
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0].title()}
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_viewer_session_is_refused_loads_and_notes_on_the_server(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = signed_in("vic@else.test", monkeypatch)
    assert not [b for b in at.button if b.label == "Add note"]
    viewer = at.session_state[signin.STATE]
    assert viewer.role is access.Role.VIEWER
    at.switch_page("dashboard/app/pages/data.py")
    at.run()
    assert not [b for b in at.button if b.key == "upload.check"]

    admin = access.Identity("ana@acme.test", "Ana", access.Role.ADMIN, "oidc")
    pending = upload.check(
        [Upload(p) for p in sorted(GOOD.iterdir())], None, ingest.Options(), lambda *_: None, admin
    )
    assert pending.ok
    before = sha(team)
    from dashboard.app import actions

    assert "needs the admin role" in (actions.load(pending, viewer, "replace") or "")
    assert sha(team) == before
    with pytest.raises(access.Refused):
        upload.check([Upload(GOOD / "orders.csv")], None, ingest.Options(), lambda *_: None, viewer)
    with pytest.raises(access.Refused, match="needs the editor role"):
        notes.add(dt.date(2026, 1, 14), "sneaky", viewer)
    assert notes.between(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []
    trail = audit.recent()
    assert ((trail["who"] == "vic@else.test") & (trail["outcome"] == "refused")).any()


def test_editor_notes_carry_their_author_into_the_report(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in("eve@acme.test", monkeypatch)
    at.text_area[0].input("Port strike <script>alert(1)</script>")
    [button] = [b for b in at.button if b.label == "Add note"]
    button.click().run()
    assert not at.exception
    written = notes.between(dt.date(2020, 1, 1), dt.date(2030, 1, 1))
    assert [(n.text, n.author) for n in written] == [("Port strike <script>alert(1)</script>", "Eve")]
    assert (audit.recent()["action"] == "note added").any()
    week = weekly.Week.parse(f"{written[0].week_start:%G-W%V}")
    from dashboard.query import catalog

    con = warehouse.connect()
    built = report.build(runner.on(con), week, catalog.as_of(con))
    assert "(Eve)" in built.html
    assert "<script>alert" not in built.html


def test_audit_trail_cannot_be_edited(team: Path) -> None:
    audit.record("ana@acme.test", "replace", "ok", "3 rows", audit.file_facts([GOOD / "orders.csv"]))
    con = sqlite3.connect(notes.path())
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("update audit set who = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from audit")
    row = audit.recent().iloc[0]
    assert row["who"] == "ana@acme.test"
    assert (
        "orders.csv" in row["files"]
        and "sha256 " + hashlib.sha256((GOOD / "orders.csv").read_bytes()).hexdigest()[:12] in row["files"]
    )


def test_no_settings_means_the_one_laptop_admin(
    handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_db, db)
    monkeypatch.setenv(warehouse.DB_ENV_VAR, str(db))
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    (tmp_path / "settings.yaml").write_text("")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.session_state[signin.STATE] == access.LOCAL
    assert [b for b in at.button if b.label == "Add note"]
    assert not [c for c in at.sidebar.caption if "Signed in" in c.value]


def test_an_idle_session_past_the_time_out_must_sign_in_again(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    at = signed_in("eve@acme.test", monkeypatch)
    assert [c for c in at.sidebar.caption if "Signed in as" in c.value]
    at.session_state[signin.SEEN] = time.time() - 9 * 3600  # the default time-out is 8 hours
    at.run()
    assert not at.exception
    assert signin.STATE not in at.session_state
    assert not [b for b in at.button if b.label == "Add note"]


def test_a_too_wide_date_range_is_a_one_line_error_not_a_traceback(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("dashboard/app/pages/backorders.py")
    at.query_params["start"] = "1900-01-01"
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_the_example_settings_file_parses_to_the_defaults() -> None:
    from dashboard.query import limits

    example = warehouse.PROJECT_ROOT / "settings.example.yaml"
    rules = access.parse(settings.section("auth", example))
    assert rules == access.AuthSettings()
    assert limits.parse(settings.section("queries", example)) == limits.Limits()


def test_a_load_from_the_shell_is_in_the_audit_trail(team: Path) -> None:
    from dashboard import cli

    assert cli.main(["load", str(GOOD), "--db", str(team)]) == 0
    row = audit.recent().iloc[0]
    assert row["who"].startswith("cli:") and row["action"] == "replace" and row["outcome"] == "ok"
    assert "orders.csv" in row["files"]


PROXY_SETTINGS = """
auth:
  admins: [ana@acme.test]
  default_role: viewer
  session_timeout_minutes: 30
  proxy:
    header: X-Forwarded-Email
    trusted: [10.0.0.0/8]
"""


@pytest.fixture
def proxied(team: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A proxy-header session: the connection's peer address and opening headers are what the test
    says (AppTest has no connection of its own); the rest is the whole app."""
    (tmp_path / "settings.yaml").write_text(PROXY_SETTINGS)
    connection: dict[str, object] = {"address": "10.0.0.7", "headers": {"X-Forwarded-Email": "ana@acme.test"}}
    monkeypatch.setattr(signin, "_remote_address", lambda: connection["address"])
    monkeypatch.setattr(signin, "_headers", lambda: connection["headers"])
    return connection


def ended(at: AppTest) -> list[str]:
    """The session-ended warnings, as read (the markdown escapes of names taken out)."""
    return [w.value.replace("\\", "") for w in at.warning if "Your session has ended" in w.value]


def test_proxy_session_idle_past_the_time_out_ends_until_a_reload(proxied: dict) -> None:
    import time

    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.session_state[signin.STATE].email == "ana@acme.test"
    at.session_state[signin.SEEN] = time.time() - 31 * 60
    at.run()
    assert ended(at) == [
        "Your session has ended: idle for more than 30 minutes. Reload the page to sign in again."
    ]
    assert signin.STATE not in at.session_state
    assert not [b for b in at.button if b.label == "Add note"]
    at.run()  # the same connection, headers unchanged: still ended, nothing shown
    assert ended(at) and signin.STATE not in at.session_state
    trail = audit.recent()
    assert ((trail["who"] == "ana@acme.test") & (trail["outcome"] == "ended")).any()
    fresh = AppTest.from_file(APP, default_timeout=120).run()  # a reload: a new session
    assert not ended(fresh)
    assert fresh.session_state[signin.STATE].role is access.Role.ADMIN


def test_proxy_session_whose_person_changes_ends(proxied: dict) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.session_state[signin.STATE].role is access.Role.ADMIN
    proxied["headers"] = {"X-Forwarded-Email": "vic@else.test"}
    at.run()
    assert ended(at) == [
        "Your session has ended: the sign-in proxy now names vic@else.test, not ana@acme.test. "
        "Reload the page to sign in again."
    ]
    assert signin.STATE not in at.session_state
    proxied["headers"] = {"X-Forwarded-Email": "ANA@acme.test"}  # back again: still ended
    at.run()
    assert ended(at) and signin.STATE not in at.session_state


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"address": "192.168.1.9"}, "did not come through the sign-in proxy"),
        ({"headers": {}}, "the proxy sent no X-Forwarded-Email header"),
    ],
)
def test_proxy_session_is_checked_on_every_rerun(proxied: dict, change: dict, message: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.session_state[signin.STATE].role is access.Role.ADMIN
    proxied.update(change)
    at.run()
    assert [e.value for e in at.error if message in e.value]
    assert signin.STATE not in at.session_state  # a callback can no longer act as the admin
