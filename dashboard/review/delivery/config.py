"""The `delivery:` section of the settings file, checked whole before anything is sent.

Secrets (the SMTP password, webhook URLs, which carry their token) are never written in the
file: it names the environment variable that holds each one, read here at send time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard import settings

KINDS = ("report", "alerts")
SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
WEBHOOK_FORMATS = ("slack", "json")
TOP_KEYS = ("base_url", "email", "webhooks", "attempts", "backoff_seconds")
EMAIL_KEYS = (
    "host",
    "port",
    "security",
    "user",
    "password_env",
    "from",
    "to",
    "ca_file",
    "timeout_seconds",
    "sends",
)
WEBHOOK_KEYS = ("name", "format", "url_env", "timeout_seconds", "sends")


class ConfigError(settings.SettingsError):
    """A delivery section that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Email:
    host: str
    port: int
    security: str
    sender: str
    to: tuple[str, ...]
    user: str | None = None
    password_env: str | None = None
    ca_file: Path | None = None
    timeout: float = 30.0
    sends: tuple[str, ...] = KINDS

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class Webhook:
    name: str
    format: str
    url_env: str
    timeout: float = 15.0
    sends: tuple[str, ...] = KINDS

    @property
    def url(self) -> str | None:
        return os.environ.get(self.url_env) or None


@dataclass(frozen=True)
class Config:
    file: Path
    base_url: str | None = None
    email: Email | None = None
    webhooks: tuple[Webhook, ...] = ()
    attempts: int = 3
    backoff: float = 2.0
    missing: tuple[str, ...] = field(default=())

    def secrets(self) -> list[str]:
        """Every secret value in use, for redacting messages."""
        found = [self.email.password] if self.email else []
        found += [hook.url for hook in self.webhooks]
        return [secret for secret in found if secret]

    def week_url(self, week: str) -> str | None:
        """The dashboard's Weekly review (the home page) for that week, when a base URL is set."""
        return f"{self.base_url.rstrip('/')}/?week={week}" if self.base_url else None


def _unknown(found: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(found) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; use {', '.join(allowed)}")


def _text(value: Any, where: str, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise ConfigError(f"{where} is required")
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be text, not {value!r}")
    return value


def _number(value: Any, where: str, default: float, low: float = 0) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise ConfigError(f"{where} must be a number of at least {low:g}, not {value!r}")
    return float(value)


def _sends(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return KINDS
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or any(item not in KINDS for item in items):
        raise ConfigError(f"{where} must list one or both of {', '.join(KINDS)}, not {value!r}")
    return tuple(items)


def _env_name(value: Any, where: str) -> str:
    name = _text(value, where)
    assert name is not None
    if not name.replace("_", "").isalnum() or name[0].isdigit():
        raise ConfigError(f"{where} names an environment variable (like SMTP_PASSWORD), not {name!r}")
    return name


def _email(raw: Any, where: str) -> Email:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    if "password" in raw:
        raise ConfigError(f"{where}: never write the password here; name its variable with password_env")
    _unknown(raw, EMAIL_KEYS, where)
    security = raw.get("security", "starttls")
    if security not in SECURITY_PORTS:
        raise ConfigError(f"{where}.security must be one of {', '.join(SECURITY_PORTS)}, not {security!r}")
    port = raw.get("port", SECURITY_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{where}.port must be a port number, not {port!r}")
    to = raw.get("to")
    to = [to] if isinstance(to, str) else to
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
        raise ConfigError(f"{where}.to must list one or more email addresses, not {raw.get('to')!r}")
    user = _text(raw.get("user"), f"{where}.user", required=False)
    password_env = _env_name(raw["password_env"], f"{where}.password_env") if "password_env" in raw else None
    if user and not password_env:
        raise ConfigError(f"{where}: a user needs password_env, the variable holding its password")
    ca_file = _text(raw.get("ca_file"), f"{where}.ca_file", required=False)
    return Email(
        host=str(_text(raw.get("host"), f"{where}.host")),
        port=port,
        security=security,
        sender=str(_text(raw.get("from"), f"{where}.from")),
        to=tuple(to),
        user=user,
        password_env=password_env,
        ca_file=Path(ca_file) if ca_file else None,
        timeout=_number(raw.get("timeout_seconds"), f"{where}.timeout_seconds", 30.0, low=1),
        sends=_sends(raw.get("sends"), f"{where}.sends"),
    )


def _webhooks(raw: Any, where: str) -> tuple[Webhook, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list of webhooks")
    hooks: list[Webhook] = []
    for number, item in enumerate(raw, start=1):
        at = f"{where}[{number}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{at} must be a mapping with {', '.join(WEBHOOK_KEYS)}")
        if "url" in item:
            raise ConfigError(f"{at}: a webhook URL holds its token; put it in a variable named by url_env")
        _unknown(item, WEBHOOK_KEYS, at)
        name = str(_text(item.get("name"), f"{at}.name"))
        if any(hook.name == name for hook in hooks):
            raise ConfigError(f"{at}.name {name!r} is used twice")
        kind = item.get("format", "slack")
        if kind not in WEBHOOK_FORMATS:
            raise ConfigError(f"{at}.format must be one of {', '.join(WEBHOOK_FORMATS)}, not {kind!r}")
        hooks.append(
            Webhook(
                name=name,
                format=kind,
                url_env=_env_name(item.get("url_env"), f"{at}.url_env"),
                timeout=_number(item.get("timeout_seconds"), f"{at}.timeout_seconds", 15.0, low=1),
                sends=_sends(item.get("sends"), f"{at}.sends"),
            )
        )
    return tuple(hooks)


def parse(section: Mapping[str, Any], file: Path) -> Config:
    """The section as a Config; raises ConfigError naming the file and key on anything unusable."""
    where = f"{file}: delivery"
    _unknown(section, TOP_KEYS, where)
    base_url = _text(section.get("base_url"), f"{where}.base_url", required=False)
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.base_url must start with http:// or https://, not {base_url!r}")
    email = _email(section["email"], f"{where}.email") if section.get("email") is not None else None
    hooks = _webhooks(section["webhooks"], f"{where}.webhooks") if section.get("webhooks") else ()
    if email is None and not hooks:
        raise ConfigError(f"{where}: set email: or webhooks: (see settings.example.yaml)")
    attempts = _number(section.get("attempts"), f"{where}.attempts", 3, low=1)
    if attempts != int(attempts):
        raise ConfigError(f"{where}.attempts must be a whole number, not {attempts:g}")
    missing = [email.password_env] if email and email.password_env and email.password is None else []
    missing += [hook.url_env for hook in hooks if hook.url is None]
    return Config(
        file=file,
        base_url=base_url,
        email=email,
        webhooks=hooks,
        attempts=int(attempts),
        backoff=_number(section.get("backoff_seconds"), f"{where}.backoff_seconds", 2.0),
        missing=tuple(missing),
    )


def load() -> Config:
    """The delivery settings; ConfigError when the file has no delivery section."""
    section = settings.section("delivery")
    if not section:
        raise ConfigError(
            f"{settings.path()}: no delivery: section, so there is nowhere to send to "
            "(see settings.example.yaml)"
        )
    return parse(section, settings.path())
