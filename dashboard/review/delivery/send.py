"""Send one run's report or alerts to every configured target and say exactly what went where.

Every target is tried even when another fails; each success is logged at once, so a rerun
sends only what is still missing. A secret never reaches an outcome's text.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from dashboard import settings
from dashboard.review.delivery import config, mail, mailbody, sentlog, webhook
from dashboard.review.delivery.dispatch import Dispatch
from dashboard.review.delivery.failures import DeliveryError, redact, with_retries

SENT, SKIPPED, FAILED, PLANNED = "sent", "skipped", "FAILED", "would send"


@dataclass(frozen=True)
class Outcome:
    status: str
    target: str
    detail: str

    def __str__(self) -> str:
        return f"{self.status} {self.target}: {self.detail}"


def _size(count: int) -> str:
    return f"{count / 1024:,.0f} KB" if count >= 1024 else f"{count} B"


def _text(dispatch: Dispatch, link: str | None) -> str:
    lines = [dispatch.subject, "", dispatch.summary, *(f"- {line}" for line in dispatch.details)]
    if link:
        lines += ["", f"Open this week in Backorder Desk: {link}"]
    if dispatch.attachments:
        lines += [
            "",
            "The full report is attached (" + ", ".join(p.name for p in dispatch.attachments) + ").",
        ]
    return "\n".join(lines) + "\n"


def _page(dispatch: Dispatch) -> str:
    """The report itself, or a small page for the alerts."""
    if dispatch.page is not None:
        return dispatch.page
    listed = "".join(f"<li>{html.escape(line)}</li>" for line in dispatch.details)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        "<style>body { font-family: sans-serif; color: #1f2328; } li { margin: .2rem 0; }</style></head>"
        f"<body><h2>{html.escape(dispatch.subject)}</h2><p>{html.escape(dispatch.summary)}</p>"
        f"<ul>{listed}</ul></body></html>"
    )


def _already(dispatch: Dispatch, target: str, force: bool) -> str | None:
    if force:
        return None
    when = sentlog.sent_at(dispatch.kind, dispatch.week, target)
    return (
        f"already sent {dispatch.kind} {dispatch.week} at {when:%Y-%m-%d %H:%M} (use --force to send again)"
        if when
        else None
    )


def _email(
    dispatch: Dispatch,
    cfg: config.Config,
    email: config.Email,
    dry_run: bool,
    force: bool,
    sleep: Callable[[float], None],
) -> list[Outcome]:
    outcomes, pending = [], []
    for address in email.to:
        skipped = _already(dispatch, f"email:{address}", force)
        if skipped:
            outcomes.append(Outcome(SKIPPED, f"email to {address}", skipped))
        else:
            pending.append(address)
    if not pending:
        return outcomes
    link = cfg.week_url(dispatch.week)
    body = mailbody.for_mail(_page(dispatch), link)
    message = mail.message(
        email, pending, dispatch.subject, _text(dispatch, link), body, dispatch.attachments
    )
    target = f"email to {', '.join(pending)}"
    if dry_run:
        login = f", login {email.user} with the password in ${email.password_env}" if email.user else ""
        files = "".join(f", attached {p.name} ({_size(p.stat().st_size)})" for p in dispatch.attachments)
        detail = (
            f'"{dispatch.subject}" from {email.sender} via {email.host}:{email.port}'
            f" ({email.security}{login}): HTML body {_size(len(body.html))}"
            f" with {len(body.images)} inline images{files}"
        )
        return [*outcomes, Outcome(PLANNED, target, detail)]
    try:
        accepted, attempts = with_retries(
            lambda: mail.send(email, message, pending), cfg.attempts, cfg.backoff, sleep
        )
    except DeliveryError as exc:
        return [*outcomes, Outcome(FAILED, target, redact(str(exc), cfg.secrets()))]
    for address in accepted.to:
        sentlog.record(dispatch.kind, dispatch.week, f"email:{address}")
    tried = f" (after {attempts} attempts)" if attempts > 1 else ""
    if accepted.to:
        outcomes.append(Outcome(SENT, f"email to {', '.join(accepted.to)}", f'"{dispatch.subject}"{tried}'))
    for address, reply in accepted.refused.items():
        outcomes.append(
            Outcome(FAILED, f"email to {address}", f"the SMTP server rejected the recipient: {reply}")
        )
    return outcomes


def _webhook(
    dispatch: Dispatch,
    cfg: config.Config,
    hook: config.Webhook,
    dry_run: bool,
    force: bool,
    sleep: Callable[[float], None],
) -> Outcome:
    target = f"webhook {hook.name}"
    skipped = _already(dispatch, f"webhook:{hook.name}", force)
    if skipped:
        return Outcome(SKIPPED, target, skipped)
    body = webhook.payload(
        hook,
        dispatch.kind,
        dispatch.week,
        dispatch.subject,
        dispatch.summary,
        dispatch.details,
        cfg.week_url(dispatch.week),
    )
    if dry_run:
        shown = body["text"] if hook.format == "slack" else body["summary"]
        first = shown.splitlines()[0] if hook.format == "slack" else shown
        return Outcome(PLANNED, target, f"{hook.format} JSON to the URL in ${hook.url_env}: {first}")
    try:
        _, attempts = with_retries(lambda: webhook.post(hook, body), cfg.attempts, cfg.backoff, sleep)
    except DeliveryError as exc:
        return Outcome(FAILED, target, redact(str(exc), cfg.secrets()))
    sentlog.record(dispatch.kind, dispatch.week, f"webhook:{hook.name}")
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    return Outcome(SENT, target, f"{hook.format} message posted{tried}")


def deliver(
    dispatch: Dispatch,
    cfg: config.Config,
    dry_run: bool = False,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """One outcome per target (and per rejected recipient); raises ConfigError before sending
    anything when a secret's variable is unset, so a run never half-sends for a settings slip."""
    if cfg.missing and not dry_run:
        names = ", ".join(f"${name}" for name in cfg.missing)
        raise config.ConfigError(
            f"{cfg.file}: delivery needs {names} set in the environment; nothing was sent"
        )
    outcomes: list[Outcome] = []
    if cfg.email and dispatch.kind in cfg.email.sends:
        outcomes += _email(dispatch, cfg, cfg.email, dry_run, force, sleep)
    for hook in cfg.webhooks:
        if dispatch.kind in hook.sends:
            outcomes.append(_webhook(dispatch, cfg, hook, dry_run, force, sleep))
    if not outcomes:
        raise config.ConfigError(f"{cfg.file}: no target in delivery: sends the {dispatch.kind} (see sends:)")
    if dry_run:
        outcomes += [
            Outcome(FAILED, "environment", f"${name} is not set, so a real run would send nothing")
            for name in cfg.missing
        ]
    return outcomes


def run(dispatch: Dispatch, dry_run: bool = False, force: bool = False) -> int:
    """Send with the settings file's delivery section and print one line per outcome (failures on
    stderr). Exit status: 0 all sent or already sent, 2 unusable settings, 3 any target failed."""
    try:
        outcomes = deliver(dispatch, config.load(), dry_run, force)
    except settings.SettingsError as exc:
        print(f"not sent: {exc}", file=sys.stderr)
        return 2
    for outcome in outcomes:
        print(outcome, file=sys.stderr if outcome.status == FAILED else sys.stdout)
    failed = sum(outcome.status == FAILED for outcome in outcomes)
    if dry_run:
        print("dry run: nothing was sent and nothing was logged")
    elif failed:
        print(
            f"{failed} delivery failure(s); the sent log keeps the rest, so a rerun retries only these",
            file=sys.stderr,
        )
    return 3 if failed else 0
