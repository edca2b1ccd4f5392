"""The settings file is parsed once per change: an unchanged file is not parsed again, an edited
one is, and what a caller gets is its own copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import settings


def test_an_unchanged_file_is_parsed_once_and_an_edit_is_read_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text("queries:\n  max_rows_shown: 100\n")
    parsed: list[Path] = []
    parse = settings._parse
    monkeypatch.setattr(settings, "_parse", lambda path: parsed.append(path) or parse(path))
    assert settings.section("queries", file) == {"max_rows_shown": 100}
    assert settings.section("queries", file) == {"max_rows_shown": 100}
    assert parsed == [file]
    file.write_text("queries:\n  max_rows_shown: 2500\n")
    assert settings.section("queries", file) == {"max_rows_shown": 2500}
    assert parsed == [file, file]


def test_a_caller_changing_what_it_got_changes_nothing_for_the_next(tmp_path: Path) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text("display:\n  currency: EUR\n")
    settings.load(file)["display"]["currency"] = "USD"
    assert settings.section("display", file) == {"currency": "EUR"}


def test_a_removed_file_means_defaults_again(tmp_path: Path) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text("display:\n  currency: EUR\n")
    assert settings.load(file) == {"display": {"currency": "EUR"}}
    file.unlink()
    assert settings.load(file) == {}
