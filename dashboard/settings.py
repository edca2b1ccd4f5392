"""A team's settings, set once in one YAML file; every section is optional, so no file means defaults.

The file is `settings.yaml` at the project root, or the path in $BACKORDER_SETTINGS (read at call
time, like the warehouse path). Each layer reads its own section (`section("delivery")`) and turns
it into its own typed settings, so this module knows no section's contents. Secrets never live
here: a section names the environment variable that holds one.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from dashboard import filecache, safeyaml

SETTINGS_ENV_VAR = "BACKORDER_SETTINGS"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A settings file that cannot be used, with the file (and line) in its message."""


def path() -> Path:
    configured = os.environ.get(SETTINGS_ENV_VAR)
    return Path(configured) if configured else PROJECT_ROOT / "settings.yaml"


# A page view asks for a section a dozen times (limits, currency, targets, the rerun log).
_parsed: filecache.ParsedFiles[dict[str, Any]] = filecache.ParsedFiles()


def load(file: Path | None = None) -> dict[str, Any]:
    """The whole file as a mapping; {} when there is no file, so the app runs on defaults.

    Each call returns its own copy, so a caller may change what it gets."""
    file = file or path()
    if not file.exists():
        if os.environ.get(SETTINGS_ENV_VAR) and file == path():
            raise SettingsError(f"{file}: no such settings file (set by {SETTINGS_ENV_VAR})")
        return {}
    return copy.deepcopy(_parsed.get(file, file, lambda: _parse(file)))


def _parse(file: Path) -> dict[str, Any]:
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


SECRET_WORDS = ("password", "secret", "token", "webhook", "credential", "api_key", "private_key")
MASK = "•••• (hidden)"


def masked(value: Any, key: str = "") -> Any:
    """The settings as an admin may see them on a page: a value under a key that names a secret
    (`password`, `token`, ... but not `*_env`, which only names the variable) is hidden, and so is
    any URL carrying a user or password."""
    if isinstance(value, dict):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    lowered = key.lower()
    if not lowered.endswith("_env") and any(word in lowered for word in SECRET_WORDS):
        return MASK
    if isinstance(value, str) and "://" in value and "@" in value.split("://", 1)[1].split("/", 1)[0]:
        return MASK
    return value


def _section_lines(lines: list[str], name: str) -> tuple[int, int] | None:
    """Where the top-level `name:` block is: its first line and the line after its last
    (indented, blank and comment lines belong to it until the next top-level key)."""
    heads = [i for i, line in enumerate(lines) if line.split("#", 1)[0].rstrip() == f"{name}:"]
    heads += [i for i, line in enumerate(lines) if line.startswith(f"{name}: ")]  # flow style
    if not heads:
        return None
    start = min(heads)
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1  # a comment or blank line before the next section belongs to that section
    return start, end


def write_section(name: str, value: dict[str, Any], file: Path | None = None) -> None:
    """Replace one top-level section of the settings file, keeping every other line (comments
    included), then swap the new file in whole (os.replace): a reader sees the old file or the new
    one, never half of it. The new text is read back before the swap; unless it parses and every
    other section is unchanged, nothing is written."""
    file = file or path()
    old_text = file.read_text(encoding="utf-8") if file.exists() else ""
    before = load(file) if file.exists() else {}
    block = yaml.safe_dump({name: value}, sort_keys=False, default_flow_style=False).splitlines()
    lines = old_text.splitlines()
    where = _section_lines(lines, name)
    if where is None:
        lines = [*lines, *([""] if lines and lines[-1].strip() else []), *block]
    else:
        lines = [*lines[: where[0]], *block, *lines[where[1] :]]
    new_text = "\n".join(lines) + "\n"
    temporary = file.with_name(f".{file.name}.writing-{os.getpid()}")
    try:
        temporary.write_text(new_text, encoding="utf-8")
        try:
            after = load(temporary)
        except SettingsError as exc:
            raise SettingsError(f"{file}: the rewritten file would not read ({exc}); not written") from exc
        others_before = {k: v for k, v in before.items() if k != name}
        if {k: v for k, v in after.items() if k != name} != others_before:
            raise SettingsError(f"{file}: rewriting '{name}' would change another section; not written")
        if after.get(name) != value:
            raise SettingsError(f"{file}: section '{name}' did not read back as written; not written")
        if file.exists():
            os.chmod(temporary, file.stat().st_mode & 0o7777)
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, file)
    finally:
        temporary.unlink(missing_ok=True)
