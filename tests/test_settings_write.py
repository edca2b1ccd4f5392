"""The settings file rewritten one section at a time: every other line kept, the swap whole, and
nothing written when the result would not read back; secrets hidden when settings are shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard import settings

FILE = """\
# Our team's settings: keep this comment.
delivery:
  base_url: https://desk.example.com   # where messages link to
  email:
    password_env: SMTP_PASSWORD

# KPI targets, reviewed every quarter
targets:
  unit_fill_rate: {at_least: 0.9}   # the old floor

auth:
  admins: [ana@acme.test]
"""


def test_one_section_is_replaced_and_every_other_line_kept(tmp_path: Path) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text(FILE)
    os.chmod(file, 0o640)
    settings.write_section("targets", {"unit_fill_rate": {"at_least": 0.95}}, file)
    text = file.read_text()
    assert text == FILE.replace(
        "targets:\n  unit_fill_rate: {at_least: 0.9}   # the old floor\n",
        "targets:\n  unit_fill_rate:\n    at_least: 0.95\n",
    )
    assert settings.load(file)["targets"] == {"unit_fill_rate": {"at_least": 0.95}}
    assert file.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["settings.yaml"]  # no temporary left


def test_a_missing_section_is_appended_and_a_missing_file_created(tmp_path: Path) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text("auth:\n  admins: [ana@acme.test]\n")
    settings.write_section("targets", {"backorder_rate_lines": {"at_most": 0.1}}, file)
    assert settings.load(file) == {
        "auth": {"admins": ["ana@acme.test"]},
        "targets": {"backorder_rate_lines": {"at_most": 0.1}},
    }
    fresh = tmp_path / "new.yaml"
    settings.write_section("targets", {}, fresh)
    assert settings.load(fresh) == {"targets": {}}


def test_a_file_that_would_change_elsewhere_is_not_written(tmp_path: Path) -> None:
    """A section written in a style the line-wise rewrite cannot follow (here `targets` hidden in a
    flow mapping on the document's first line) is refused, the file left as it was."""
    file = tmp_path / "settings.yaml"
    original = "{auth: {admins: [ana@acme.test]}, targets: {unit_fill_rate: {at_least: 0.9}}}\n"
    file.write_text(original)
    with pytest.raises(settings.SettingsError, match="not written"):
        settings.write_section("targets", {"unit_fill_rate": {"at_least": 0.95}}, file)
    assert file.read_text() == original
    assert [p.name for p in tmp_path.iterdir()] == ["settings.yaml"]


def test_secrets_are_masked_and_variable_names_shown() -> None:
    shown = settings.masked(
        {
            "delivery": {
                "email": {"password": "hunter2", "password_env": "SMTP_PASSWORD", "user": "desk"},
                "webhooks": [{"url": "https://hooks.example.com/T0/B0/xyz", "token": "abc"}],
                "base_url": "https://bob:pw@desk.example.com/",
            },
            "auth": {"admins": ["ana@acme.test"]},
        }
    )
    assert shown["delivery"]["email"] == {
        "password": settings.MASK,
        "password_env": "SMTP_PASSWORD",
        "user": "desk",
    }
    assert shown["delivery"]["webhooks"][0]["token"] == settings.MASK
    assert shown["delivery"]["base_url"] == settings.MASK
    assert shown["auth"] == {"admins": ["ana@acme.test"]}
    assert "hunter2" not in repr(shown) and "abc" not in repr(shown) and "pw@" not in repr(shown)
