"""A JSON POST to a chat incoming webhook: Slack's format, or a generic one for anything else.

The URL is a secret (it carries the token), so no message here ever includes it: failures name
the webhook by its name in the settings.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from dashboard.review.delivery import config
from dashboard.review.delivery.failures import DeliveryError

USER_AGENT = "backorder-desk"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(
    hook: config.Webhook,
    kind: str,
    week: str,
    title: str,
    summary: str,
    details: Sequence[str],
    link: str | None,
) -> dict[str, Any]:
    """What the webhook receives; Slack shows `text` (mrkdwn), other receivers read the fields."""
    if hook.format == "slack":
        lines = [f"*{_slack_escape(title)}*", _slack_escape(summary)]
        lines += [f"• {_slack_escape(line)}" for line in details]
        if link:
            lines.append(f"<{link}|Open {week} in Backorder Desk>")
        return {"text": "\n".join(lines)}
    return {
        "kind": kind,
        "week": week,
        "title": title,
        "summary": summary,
        "details": list(details),
        "url": link,
    }


def post(hook: config.Webhook, body: dict[str, Any]) -> None:
    """POST once; raises DeliveryError, transient for unreachable receivers, 429 and 5xx."""
    try:
        request = urllib.request.Request(
            hook.url or "",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=hook.timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        retry = exc.code == 429 or exc.code >= 500
        raise DeliveryError(
            f"webhook {hook.name} answered HTTP {exc.code} {exc.reason}", transient=retry
        ) from exc
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or str(exc.reason)
        raise DeliveryError(f"cannot reach webhook {hook.name} ({reason})", transient=True) from exc
    except (TimeoutError, ConnectionError) as exc:
        raise DeliveryError(
            f"cannot reach webhook {hook.name} ({exc.strerror or 'timed out'})", transient=True
        ) from exc
    except ValueError as exc:
        raise DeliveryError(f"webhook {hook.name}: ${hook.url_env} does not hold a URL") from exc
