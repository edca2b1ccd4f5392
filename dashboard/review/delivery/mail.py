"""One email per run over SMTP (STARTTLS, SSL or plain, with or without login), with its failures
named in one line: unreachable server, refused login, rejected recipients."""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from dashboard.review.delivery import config
from dashboard.review.delivery.failures import DeliveryError
from dashboard.review.delivery.mailbody import Body


@dataclass(frozen=True)
class Accepted:
    """Who the server took the message for, and who it turned away (address -> its reply)."""

    to: tuple[str, ...]
    refused: dict[str, str]


def message(
    settings: config.Email,
    to: Sequence[str],
    subject: str,
    text: str,
    body: Body,
    attachments: Sequence[Path] = (),
) -> EmailMessage:
    """multipart/mixed: (plain text | HTML with its related PNGs), then the attached files."""
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="backorder-desk")
    mail.set_content(text)
    mail.add_alternative(body.html, subtype="html")
    html_part = mail.get_payload()[1]
    for image in body.images:
        html_part.add_related(image.png, "image", "png", cid=f"<{image.cid}>")
    for path in attachments:
        kind, _ = mimetypes.guess_type(path.name)
        main, sub = (kind or "application/octet-stream").split("/", 1)
        mail.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    return mail


def _tls(settings: config.Email) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _connect(settings: config.Email) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=_tls(settings)
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def send(settings: config.Email, mail: EmailMessage, to: Sequence[str]) -> Accepted:
    """Send once; raises DeliveryError (transient for unreachable or busy servers)."""
    where = f"{settings.host}:{settings.port}"
    try:
        with _connect(settings) as server:
            if settings.security == "starttls":
                server.starttls(context=_tls(settings))
            if settings.user:
                server.login(settings.user, settings.password or "")
            refused = server.send_message(mail, to_addrs=list(to))
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"the SMTP server {where} refused the login for {settings.user}: {_reply(exc)}"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        rejected = "; ".join(f"{address} ({_reply_pair(reply)})" for address, reply in exc.recipients.items())
        raise DeliveryError(f"the SMTP server {where} rejected every recipient: {rejected}") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(
            f"the SMTP server {where} refused the sender {settings.sender}: {_reply(exc)}"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"the SMTP server {where} does not offer {settings.security.upper()} or login: {exc}"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        temporary = 400 <= exc.smtp_code < 500
        raise DeliveryError(f"the SMTP server {where} answered {_reply(exc)}", transient=temporary) from exc
    except ssl.SSLError as exc:
        raise DeliveryError(f"TLS with {where} failed: {exc.reason or exc}") from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise DeliveryError(f"cannot reach the SMTP server {where} ({reason})", transient=True) from exc
    except OSError as exc:
        raise DeliveryError(
            f"cannot reach the SMTP server {where} ({exc.strerror or exc})", transient=True
        ) from exc
    return Accepted(
        tuple(address for address in to if address not in refused),
        {address: _reply_pair(reply) for address, reply in refused.items()},
    )


def _reply_pair(reply: tuple[int, bytes]) -> str:
    code, text = reply
    return f"{code} {' '.join(text.decode(errors='replace').split())}"
