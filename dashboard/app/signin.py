"""Who is using this session: OIDC through st.login, a trusted proxy's header, or nobody (one laptop).

Which one is decided by configuration alone: an `[auth]` section in .streamlit/secrets.toml turns on
OIDC; `auth.proxy.header` in the settings file turns on the proxy mode; neither means no sign-in,
and the server then listens on 127.0.0.1 only (dashboard/cli.py). The role comes from
dashboard/access.py; the functions that change data check it again themselves.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import NoReturn

import streamlit as st
from streamlit import config
from streamlit.auth_util import get_secrets_auth_section

from dashboard import access
from dashboard.present import text
from dashboard.review import audit

STATE = "signin.identity"
SEEN = "signin.seen"
ENDED = "signin.ended"  # why a proxy session ended; the session stays ended until the page reloads
LOOPBACK = ("127.0.0.1", "::1", "localhost")
NOBODY = access.Identity("(not signed in)", "(not signed in)", access.Role.VIEWER, "none")


def oidc_configured() -> bool:
    return bool(get_secrets_auth_section())


def _remote_address() -> str | None:
    """The peer of the websocket itself (st.context.ip_address hides loopback as None); never a
    forwarded-for header, which anyone can write."""
    from streamlit.runtime.context import _get_client_context

    client = _get_client_context()
    return getattr(client, "remote_ip", None) if client is not None else None


def _refuse(who: str, reason: str) -> None:
    """Record the refusal once per session and stop the page; whoever the session was before
    is forgotten, so a callback cannot act as them either."""
    st.session_state.pop(STATE, None)
    if st.session_state.get("signin.refused") != (who, reason):
        st.session_state["signin.refused"] = (who, reason)
        audit.record(who, "sign-in", "refused", reason)
    st.error(
        f"Not let in ({text.plain(who)}): {reason}. Ask an admin of Backorder Desk.", icon=":material/block:"
    )
    if oidc_configured() and st.user.is_logged_in:
        st.button("Sign out", on_click=st.logout)
    st.stop()


def _oidc(rules: access.AuthSettings) -> access.Identity:
    if not st.user.is_logged_in:
        st.title("Backorder Desk")
        st.write("Sign in to see the dashboard.")
        st.button("Sign in", type="primary", on_click=st.login, key="signin.login")
        st.stop()
    email = str(st.user.get("email") or "")
    issued = st.user.get("iat")
    if isinstance(issued, int | float) and time.time() - issued > rules.session_timeout_minutes * 60:
        st.logout()
        st.stop()
    if not email:
        _refuse("(no email)", "the sign-in provider sent no email address")
    role = rules.role_for(email)
    if role is None:
        _refuse(email, "this address has no role")
    return access.Identity(email, str(st.user.get("name") or email), role, "oidc")


def _headers() -> Mapping[str, str]:
    """The headers of the connection's opening request: what the proxy said when it let the
    person through (st.context.headers, case-insensitive)."""
    return st.context.headers


def _end(who: str, reason: str) -> NoReturn:
    """End a proxy session: a rerun on the same connection cannot prove anything new, but a reload
    opens a new connection through the proxy, which checks the person again."""
    st.session_state.pop(STATE, None)
    st.session_state[ENDED] = reason
    audit.record(who, "session", "ended", reason)
    _ended(reason)


def _ended(reason: str) -> NoReturn:
    st.warning(
        f"Your session has ended: {text.plain(reason)}. Reload the page to sign in again.",
        icon=":material/logout:",
    )
    st.stop()


def _proxy(rules: access.AuthSettings) -> access.Identity:
    """Checked on every rerun: the connection comes from a trusted proxy and carries the header,
    and it names the person this session began with; a different person ends the session."""
    address = _remote_address()
    if not rules.proxy.trusts(address):
        _refuse(f"({address or 'unknown address'})", "this request did not come through the sign-in proxy")
    headers = _headers()
    email = (headers.get(rules.proxy.header) or "").strip()
    if not email:
        _refuse(f"({address})", f"the proxy sent no {rules.proxy.header} header")
    before = st.session_state.get(STATE)
    if before is not None and before.via == "proxy" and before.email.lower() != email.lower():
        _end(before.email, f"the sign-in proxy now names {email}, not {before.email}")
    role = rules.role_for(email)
    if role is None:
        _refuse(email, "this address has no role")
    name = (headers.get(rules.proxy.name_header) or "").strip() if rules.proxy.name_header else ""
    return access.Identity(email, name or email, role, "proxy")


def _timed_out(rules: access.AuthSettings) -> bool:
    """Idle longer than the time-out: the session forgets who it was and signs in again."""
    now = time.time()
    seen = st.session_state.get(SEEN)
    st.session_state[SEEN] = now
    return seen is not None and now - seen > rules.session_timeout_minutes * 60


def current() -> access.Identity:
    """The session's identity; stops the page (after a sign-in screen or a refusal) when there is none.

    Idle past the time-out, an OIDC session signs out; a proxy session ends and asks for a reload,
    so the proxy vouches for the person afresh (its own session may have expired meanwhile)."""
    rules = access.load()
    ended = st.session_state.get(ENDED)
    if ended:
        _ended(ended)
    if _timed_out(rules):
        before = st.session_state.pop(STATE, None)
        if oidc_configured() and st.user.is_logged_in:
            st.logout()
            st.stop()
        if before is not None and before.via == "proxy":
            _end(before.email, f"idle for more than {rules.session_timeout_minutes} minutes")
    if oidc_configured():
        identity = _oidc(rules)
    elif rules.proxy.header:
        identity = _proxy(rules)
    else:
        identity = access.LOCAL
    st.session_state[STATE] = identity
    return identity


def identity() -> access.Identity:
    """The identity `current()` settled on for this session, for pages and callbacks; a session
    that never got one (a crafted request) may change nothing."""
    return st.session_state.get(STATE) or NOBODY


def sidebar(who: access.Identity) -> None:
    with st.sidebar:
        if who.via == "local":
            address = str(config.get_option("server.address") or "")
            if address not in LOOPBACK:
                st.warning(
                    "No sign-in is configured and this server listens beyond this computer: anyone who "
                    "can reach it can load data and write notes.",
                    icon=":material/lock_open:",
                )
            return
        st.caption(f"Signed in as **{text.plain(who.name)}** ({who.role.name.lower()})")
        if who.via == "oidc":
            st.button("Sign out", on_click=st.logout, key="signin.logout", icon=":material/logout:")
