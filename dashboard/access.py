"""Who may do what: roles from the settings file's `auth:` section, checked wherever data changes.

No Streamlit here: the app decides who is signed in (dashboard/app/signin.py), and the functions
that change data (notes, loads) call `require` themselves, so a role is enforced on the server
even when a crafted request reaches an action the page did not draw for that person.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from dashboard import settings


class Role(enum.IntEnum):
    """Ordered: each role may do everything the ones below it may."""

    VIEWER = 1
    EDITOR = 2
    ADMIN = 3


class Action(enum.Enum):
    """What a person may be refused; `needs` is the lowest role allowed it."""

    NOTE = "note"  # add or delete notes and annotations
    LOAD = "load"  # load, append or replace data
    AUDIT = "audit"  # read the audit trail
    SETTINGS = "settings"  # see the effective settings, change the KPI targets

    @property
    def needs(self) -> Role:
        return Role.EDITOR if self is Action.NOTE else Role.ADMIN


class Refused(PermissionError):
    """An action the person's role does not allow; the message says which role it needs."""


@dataclass(frozen=True)
class Identity:
    email: str
    name: str
    role: Role
    via: str  # "oidc", "proxy" or "local" (no sign-in configured: the one laptop)

    def may(self, action: Action) -> bool:
        return self.role >= action.needs


LOCAL = Identity("local", "this computer", Role.ADMIN, "local")


def require(identity: Identity, action: Action) -> None:
    if not identity.may(action):
        needed = action.needs.name.lower()
        raise Refused(
            f"{identity.email} is {identity.role.name.lower()}: this needs the {needed} role "
            f"({action.name.lower()})"
        )


@dataclass(frozen=True)
class Proxy:
    """Trusted reverse-proxy sign-in: off unless `header` is set."""

    header: str = ""
    name_header: str = ""
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def trusts(self, address: str | None) -> bool:
        """Only the configured proxies may vouch for a person; anyone else could send the header."""
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)


@dataclass(frozen=True)
class AuthSettings:
    admins: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    default_role: Role | None = Role.VIEWER
    session_timeout_minutes: int = 480
    proxy: Proxy = field(default_factory=Proxy)

    def role_for(self, email: str) -> Role | None:
        """An exact address beats a domain (`@example.com`); None refuses the person."""
        email = email.strip().lower()
        domain = "@" + email.rpartition("@")[2] if "@" in email else None
        for exact in (True, False):
            for role, listed in (
                (Role.ADMIN, self.admins),
                (Role.EDITOR, self.editors),
                (Role.VIEWER, self.viewers),
            ):
                for entry in listed:
                    if (entry == email) if exact else (entry.startswith("@") and entry == domain):
                        return role
        return self.default_role


KEYS = ("admins", "editors", "viewers", "default_role", "session_timeout_minutes", "proxy")
PROXY_KEYS = ("header", "name_header", "trusted")


def _entries(raw: Any, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise settings.SettingsError(f"auth.{key} must be a list of email addresses or @domains")
    return tuple(item.strip().lower() for item in raw)


def parse(section: dict[str, Any]) -> AuthSettings:
    """The `auth:` section as typed settings; unknown keys and bad values are errors naming them."""
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise settings.SettingsError(f"auth: unknown key '{unknown[0]}'; use {', '.join(KEYS)}")
    default = str(section.get("default_role", "viewer")).lower()
    if default not in ("none", "viewer", "editor", "admin"):
        raise settings.SettingsError("auth.default_role must be none, viewer, editor or admin")
    timeout = section.get("session_timeout_minutes", 480)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1:
        raise settings.SettingsError("auth.session_timeout_minutes must be a whole number of minutes")
    raw_proxy = section.get("proxy") or {}
    if not isinstance(raw_proxy, dict) or set(raw_proxy) - set(PROXY_KEYS):
        raise settings.SettingsError(f"auth.proxy must be a mapping of {', '.join(PROXY_KEYS)}")
    try:
        trusted = tuple(ipaddress.ip_network(str(a), strict=False) for a in raw_proxy.get("trusted") or ())
    except ValueError as exc:
        raise settings.SettingsError(f"auth.proxy.trusted: {exc}") from exc
    header = str(raw_proxy.get("header") or "")
    if header and not trusted:
        raise settings.SettingsError("auth.proxy.header is set but auth.proxy.trusted lists no proxy address")
    return AuthSettings(
        admins=_entries(section.get("admins"), "admins"),
        editors=_entries(section.get("editors"), "editors"),
        viewers=_entries(section.get("viewers"), "viewers"),
        default_role=None if default == "none" else Role[default.upper()],
        session_timeout_minutes=timeout,
        proxy=Proxy(header, str(raw_proxy.get("name_header") or ""), trusted),
    )


def load() -> AuthSettings:
    return parse(settings.section("auth"))
