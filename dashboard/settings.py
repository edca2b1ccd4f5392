"""A team's settings, set once in one YAML file; every section is optional, so no file means defaults.

The file is `settings.yaml` at the project root, or the path in $BACKORDER_SETTINGS (read at call
time, like the warehouse path). Each layer reads its own section (`section("delivery")`) and turns
it into its own typed settings, so this module knows no section's contents. Secrets never live
here: a section names the environment variable that holds one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from dashboard import safeyaml

SETTINGS_ENV_VAR = "BACKORDER_SETTINGS"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A settings file that cannot be used, with the file (and line) in its message."""


def path() -> Path:
    configured = os.environ.get(SETTINGS_ENV_VAR)
    return Path(configured) if configured else PROJECT_ROOT / "settings.yaml"


def load(file: Path | None = None) -> dict[str, Any]:
    """The whole file as a mapping; {} when there is no file, so the app runs on defaults."""
    file = file or path()
    if not file.exists():
        if os.environ.get(SETTINGS_ENV_VAR) and file == path():
            raise SettingsError(f"{file}: no such settings file (set by {SETTINGS_ENV_VAR})")
        return {}
    try:
        found = safeyaml.load(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{file}: not UTF-8 text ({exc.reason})") from exc
    except safeyaml.YamlError as exc:
        raise SettingsError(f"{file}: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark else str(file)
        raise SettingsError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise SettingsError(f"{file}: must be a mapping of sections (delivery:, auth:, ...)")
    return found


def section(name: str, file: Path | None = None) -> dict[str, Any]:
    """One section, {} when absent; a section that is not a mapping is an error naming it."""
    found = load(file).get(name) or {}
    if not isinstance(found, dict):
        raise SettingsError(f"{file or path()}: section '{name}' must be a mapping")
    return found
