"""Where the warehouse lives: a `--db` or $BACKORDER_DB value read into a Target.

The connection factory (warehouse.py) opens every kind the same way for the rest of the app, so a
warehouse that moves past one machine (docs/scaling.md) is a `--db` value plus settings, not a
code change. The kinds:

- `PATH`: a local DuckDB file, what `load` and first start build (the default);
- `parquet:FOLDER`: one Parquet file per table and view, as `export-parquet` writes them; FOLDER is
  local or an object-store URL (`s3://bucket/prefix`, which needs DuckDB's httpfs extension);
- `md:NAME` or `motherduck:NAME`: a MotherDuck database (needs the motherduck extension);
- `ducklake:CATALOG`: a DuckLake catalog (needs the ducklake extension), its data where the
  settings' `warehouse: ducklake_data_path` says.

Secrets (a MotherDuck token in the value or in the environment) never reach a message: `masked`
hides them in anything shown.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from dashboard import settings

FILE, PARQUET, MOTHERDUCK, DUCKLAKE = "file", "parquet", "motherduck", "ducklake"
SCHEMES = {"parquet": PARQUET, "md": MOTHERDUCK, "motherduck": MOTHERDUCK, "ducklake": DUCKLAKE}
# Object stores a Parquet folder may live on, and the DuckDB extension that reads each.
REMOTE_FOLDERS = {
    "s3": "httpfs",
    "r2": "httpfs",
    "gs": "httpfs",
    "gcs": "httpfs",
    "az": "azure",
    "abfss": "azure",
}
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
SETTING_KEYS = ("motherduck_token_env", "ducklake_data_path")
DEFAULT_TOKEN_ENV = "motherduck_token"  # the variable MotherDuck's own extension reads
HIDDEN = "****"


@dataclass(frozen=True)
class Target:
    """One warehouse location. `location` is a path, a folder or URL, or a remote database name;
    `secrets` are values to hide in every message about it."""

    kind: str
    location: str
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def path(self) -> Path | None:
        """The local file or folder, or None for a remote target."""
        if self.kind == FILE or (self.kind == PARQUET and not self.remote_folder):
            return Path(self.location)
        return None

    @property
    def remote_folder(self) -> bool:
        return self.kind == PARQUET and _scheme(self.location) in REMOTE_FOLDERS

    @property
    def extension(self) -> str | None:
        """The DuckDB extension this target needs that is not built in (parquet is)."""
        if self.kind in (MOTHERDUCK, DUCKLAKE):
            return self.kind
        if self.remote_folder:
            return REMOTE_FOLDERS[_scheme(self.location)]
        return None

    @property
    def value(self) -> str:
        """The `--db` value naming this target again (with any token hidden)."""
        prefix = {FILE: "", PARQUET: "parquet:", MOTHERDUCK: "md:", DUCKLAKE: "ducklake:"}[self.kind]
        return _hidden(prefix + self.location, self.secrets)

    def __str__(self) -> str:
        return self.value


def _scheme(value: str) -> str | None:
    """A URL scheme; a single letter is a Windows drive (C:\\...), not a scheme."""
    match = SCHEME.match(value)
    return match.group(1).lower() if match else None


def warehouse_settings() -> dict[str, Any]:
    """The settings file's `warehouse:` section, checked: it names where secrets are, never holds them."""
    section = settings.section("warehouse")
    unknown = sorted(set(section) - set(SETTING_KEYS))
    if unknown:
        raise settings.SettingsError(f"warehouse: unknown key '{unknown[0]}'; use {', '.join(SETTING_KEYS)}")
    return section


def token_env() -> str:
    return str(warehouse_settings().get("motherduck_token_env") or DEFAULT_TOKEN_ENV)


def parse(value: str | Path | Target) -> Target:
    """A `--db` value as a Target; a value with a scheme this app does not know is an error."""
    if isinstance(value, Target):
        return value
    if isinstance(value, Path):
        return Target(FILE, str(value))
    text = value.strip()
    if not text:
        raise ValueError("the warehouse (--db or $BACKORDER_DB) is empty")
    scheme = _scheme(text)
    if scheme is None:
        return Target(FILE, text)
    kind = SCHEMES.get(scheme)
    if kind is None:
        known = "PATH, parquet:FOLDER, md:NAME, motherduck:NAME or ducklake:CATALOG"
        raise ValueError(
            f"unknown warehouse kind '{scheme}:' in {text!r}: use {known} (a file whose name holds a"
            f" colon: ./{text})"
        )
    rest = text[len(scheme) + 1 :]
    if kind == MOTHERDUCK:
        query = rest.partition("?")[2]
        return Target(kind, rest, tuple(v for k, v in parse_qsl(query) if "token" in k.lower() and v))
    if not rest:
        raise ValueError(f"{text!r} names no {kind} location")
    if kind == PARQUET and _scheme(rest) not in (None, *REMOTE_FOLDERS):
        raise ValueError(
            f"parquet:{rest}: a Parquet folder is a local folder or an object-store URL"
            f" ({', '.join(f'{s}://' for s in REMOTE_FOLDERS)})"
        )
    return Target(kind, rest)


def env_token() -> str:
    """The MotherDuck token from the environment variable the settings name ("" when unset)."""
    try:
        variable = token_env()
    except settings.SettingsError:
        variable = DEFAULT_TOKEN_ENV
    return os.environ.get(variable, "")


def masked(text: str, target: Target | None = None) -> str:
    """`text` with every secret of `target` and the MotherDuck token in the environment hidden."""
    return _hidden(text, (*(target.secrets if target else ()), env_token()))


def _hidden(text: str, secrets: tuple[str, ...]) -> str:
    """Asked on every rerun (a target's value is a cache key), so it reads no settings file."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return re.sub(r"((?:motherduck_)?token=)[^&\s'\"]+", rf"\1{HIDDEN}", text, flags=re.IGNORECASE)
