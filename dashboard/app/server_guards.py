"""Guards on the web server itself, for what Streamlit has no setting for.

Streamlit serves `/_stcore/metrics` (session counts, cache sizes) to anyone who can reach the port.
With sign-in configured the port is shared, so the app's own server refuses it; on one laptop
(no sign-in, 127.0.0.1 only) it stays, as Streamlit ships it. The guard is an ASGI middleware
handed to Streamlit's public `st.App(middleware=...)` in `streamlit_server.py`, so it needs no
private Streamlit internals; tests/test_server_guards.py checks against a real server both that
the path is refused and that Streamlit still serves it when the guard is off, so a renamed route
fails the test instead of slipping through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

METRICS = "/_stcore/metrics"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def sign_in_configured() -> bool:
    """OIDC ([auth] in secrets.toml) or the proxy header: the same test signin.current() makes.
    A settings file that cannot be read counts as configured: the guard fails closed."""
    from streamlit.auth_util import get_secrets_auth_section

    from dashboard import access, settings

    try:
        return bool(get_secrets_auth_section()) or bool(access.load().proxy.header)
    except settings.SettingsError:
        return True


def is_metrics(path: str) -> bool:
    """Under any `server.baseUrlPath`, with or without a trailing slash."""
    return path.rstrip("/").endswith(METRICS)


class RefuseMetrics:
    """Answers 404 for the metrics endpoint when sign-in is configured; passes everything else on."""

    def __init__(self, app: ASGIApp, configured: Callable[[], bool] = sign_in_configured) -> None:
        self.app = app
        self.configured = configured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_metrics(scope.get("path", "")) and self.configured():
            body = b"Not found: /_stcore/metrics is off while sign-in is configured.\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
