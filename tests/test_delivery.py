"""`report --send` and `alerts --send` against a real SMTP server (aiosmtpd) and a real HTTP
receiver, both started here on 127.0.0.1: what arrives, retries, failures, the sent log, secrets."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from dashboard import cli, settings
from dashboard.query import catalog, runner, warehouse
from dashboard.review import alerts, notes, weekly
from dashboard.review import report as report_module
from dashboard.review.delivery import config, dispatch, failures, send, sentlog

PASSWORD = "s3cret-SMTP-pa55word"
TOKEN = "T0KEN-hooks-9f8e7d"
USER = "desk"
W03 = weekly.Week.parse("2026-W03")
EXAMPLE = settings.PROJECT_ROOT / "settings.example.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGIN = {"auth_exclude_mechanism": ["LOGIN"]}  # one mechanism: one login per attempt, easy to count
HOOK = {"name": "a", "url_env": "A"}
MAIL = {"host": "h", "from": "a@b", "to": ["c@d"]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received, and every login it was asked for."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate (apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    request = (
        "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    )
    subprocess.run(
        ["openssl", *request.split(), "-keyout", str(key_file), "-out", str(cert_file)],
        check=True,
        capture_output=True,
    )
    return cert_file, key_file


def _server_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    return context


@pytest.fixture
def smtp(cert: tuple[Path, Path]) -> Iterator[tuple[Mailbox, int]]:
    """STARTTLS required, login required: the usual submission port of a company relay."""
    box, port = Mailbox(), free_port()
    server = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_tls(cert),
        require_starttls=True,
        authenticator=box.authenticate,
        auth_required=True,
        **LOGIN,
    )
    server.start()
    yield box, port
    server.stop()


class Receiver(ThreadingHTTPServer):
    """A chat webhook: records each POST and answers with the next queued status (then 200)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.posts: list[tuple[str, str, Any]] = []
        self.statuses: list[int] = []


class _Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.posts.append((self.path, self.headers["Content-Type"], body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def write_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert: tuple[Path, Path]) -> Any:
    """Write a delivery section (merged over a STARTTLS + login default) and point the app at it."""
    monkeypatch.setenv(notes.NOTES_ENV_VAR, str(tmp_path / "state" / "notes.sqlite"))
    monkeypatch.setenv("DESK_SMTP_PASSWORD", PASSWORD)

    def write(smtp_port: int | None, hooks: list[dict[str, Any]] = (), **extra: Any) -> Path:
        email_changes = extra.pop("email", {})
        section: dict[str, Any] = {"attempts": 3, "backoff_seconds": 0, **extra}
        if smtp_port is not None:
            section["email"] = {
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "starttls",
                "user": USER,
                "password_env": "DESK_SMTP_PASSWORD",
                "ca_file": str(cert[0]),
                "from": "Backorder Desk <desk@example.com>",
                "to": ["ops@example.com", "buyer@example.com"],
                **email_changes,
            }
        if hooks:
            section["webhooks"] = list(hooks)
        file = tmp_path / "settings.yaml"
        file.write_text(yaml.safe_dump({"delivery": section}))
        monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(file))
        return file

    return write


def hook(receiver: Receiver, name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    variable = f"DESK_HOOK_{name.upper()}"
    monkeypatch.setenv(variable, f"http://127.0.0.1:{receiver.server_port}/services/{name}/{TOKEN}")
    return {"name": name, "format": fmt, "url_env": variable}


def report(db: Path, tmp_path: Path, *flags: str) -> int:
    """The command as a user runs it."""
    return cli.main(["report", "--db", str(db), "--out", str(tmp_path / "review.html"), *flags])


@pytest.fixture(scope="module")
def built(handmade_db: Path) -> report_module.Report:
    """The hand-made shop's 2026-W03 review, built once: most tests here are about sending it."""
    con = warehouse.connect(handmade_db)
    return report_module.build(runner.on(con), W03, catalog.as_of(con))


def send_report(built: report_module.Report, tmp_path: Path, *flags: str) -> int:
    """What `report --send` does after writing the file, without rebuilding the report each time."""
    page = tmp_path / "review.html"
    page.write_text(built.html, encoding="utf-8")
    return send.run(dispatch.of_report(built, [page]), "--dry-run" in flags, "--force" in flags)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title, self.tags, self._in_title = "", [], False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def parsed(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return parser


def email_images_all_show(page: str, screenshot: Path) -> bool:
    """Open the mail body in Chromium at a mail client's width; True when every image drew."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=list(report_module.CHROMIUM_ARGS[1:])
        )
        view = browser.new_page(viewport={"width": 800, "height": 900})
        view.set_content(page)
        drawn = view.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        count = view.evaluate("document.images.length")
        screenshot.parent.mkdir(exist_ok=True)
        view.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return bool(drawn) and count > 0


def test_report_email_has_its_headers_parts_and_attachments_that_open(
    handmade_db: Path, tmp_path: Path, smtp: tuple[Mailbox, int], write_settings: Any, capsys: Any
) -> None:
    box, port = smtp
    write_settings(port, base_url="https://desk.example.com/")
    assert report(handmade_db, tmp_path, "--send", "--pdf" if shutil.which("chromium") else "--send") == 0
    out = capsys.readouterr().out
    assert "sent email to ops@example.com, buyer@example.com" in out
    assert box.logins == [(USER, PASSWORD)]  # over STARTTLS: the server refuses anything before it
    [(rcpt, mail)] = box.messages
    assert rcpt == ["ops@example.com", "buyer@example.com"]
    assert mail["Subject"].startswith("Weekly review 2026-W03: backorder rate 100.0% (+40.0 pp)")
    assert mail["From"] == "Backorder Desk <desk@example.com>"
    assert mail["To"] == "ops@example.com, buyer@example.com"
    assert mail["Message-ID"] and mail["Date"]

    assert mail.get_content_type() == "multipart/mixed"
    alternative, *attached = mail.iter_parts()
    plain, related = alternative.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert "https://desk.example.com/?week=2026-W03" in plain.get_content()
    body, *images = related.iter_parts()
    assert body.get_content_type() == "text/html"
    page = body.get_content()
    assert "<svg" not in page and "<style" not in page  # mail clients show neither reliably
    assert 'style="' in page and "Weekly review 2026-W03" in page
    found = parsed(page)
    links = [attrs.get("href") for tag, attrs in found.tags if tag == "a"]
    assert "https://desk.example.com/?week=2026-W03" in links
    cids = {attrs["src"][4:] for tag, attrs in found.tags if tag == "img" and attrs["src"].startswith("cid:")}
    assert len(cids) >= 3  # the two charts and the sparklines
    assert {part["Content-ID"].strip("<>") for part in images} == cids
    for part in images:
        png = part.get_content()
        assert part.get_content_type() == "image/png" and png.startswith(PNG_SIGNATURE)
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width > 50 and height > 10

    if shutil.which("chromium"):
        shown = page
        for part in images:
            data = base64.b64encode(part.get_content()).decode()
            shown = shown.replace(f"cid:{part['Content-ID'].strip('<>')}", f"data:image/png;base64,{data}")
        assert email_images_all_show(shown, warehouse.PROJECT_ROOT / "test-artifacts" / "report-email.png")

    html_file = attached[0]
    assert html_file.get_filename() == "review.html"
    assert html_file.get_content() == (tmp_path / "review.html").read_text()
    assert parsed(html_file.get_content()).title == "Weekly review 2026-W03"
    if shutil.which("chromium"):
        pdf = attached[1]
        assert pdf.get_filename() == "review.pdf" and pdf.get_content_type() == "application/pdf"
        data = pdf.get_content()
        assert data.startswith(b"%PDF")
        if shutil.which("pdftoppm"):
            (tmp_path / "got.pdf").write_bytes(data)
            subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(tmp_path / "got.pdf"),
                            str(tmp_path / "page")], check=True)  # fmt: skip
            assert (tmp_path / "page-1.png").read_bytes().startswith(PNG_SIGNATURE)


def test_webhooks_get_slack_and_generic_json_with_the_week_link(
    built: report_module.Report,
    tmp_path: Path,
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    hooks = [hook(receiver, "ops", "slack", monkeypatch), hook(receiver, "bot", "json", monkeypatch)]
    write_settings(None, hooks, base_url="https://desk.example.com")
    assert send_report(built, tmp_path, "--send") == 0
    assert "sent webhook ops: slack message posted" in capsys.readouterr().out
    (slack_path, slack_type, slack), (json_path, json_type, generic) = receiver.posts
    assert slack_path == f"/services/ops/{TOKEN}" and slack_type == "application/json"
    assert slack["text"].startswith("*Weekly review 2026-W03: backorder rate 100.0% (+40.0 pp)")
    assert "<https://desk.example.com/?week=2026-W03|Open 2026-W03 in Backorder Desk>" in slack["text"]
    assert json_path == f"/services/bot/{TOKEN}" and json_type == "application/json"
    assert generic["kind"] == "report" and generic["week"] == "2026-W03"
    assert generic["url"] == "https://desk.example.com/?week=2026-W03"
    assert generic["summary"].startswith("Mon 12 Jan to Sun 18 Jan 2026: backorder rate 100.0%")


def test_a_second_run_does_not_send_twice_unless_forced(
    built: report_module.Report,
    tmp_path: Path,
    smtp: tuple[Mailbox, int],
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    box, port = smtp
    write_settings(port, [hook(receiver, "ops", "slack", monkeypatch)])
    assert send_report(built, tmp_path, "--send") == 0
    assert send_report(built, tmp_path, "--send") == 0
    out = capsys.readouterr().out
    assert out.count("skipped email to") == 2 and "skipped webhook ops: already sent report 2026-W03" in out
    assert (len(box.messages), len(receiver.posts)) == (1, 1)
    assert sentlog.path() == tmp_path / "state" / "sent.sqlite"
    assert send_report(built, tmp_path, "--send", "--force") == 0
    assert (len(box.messages), len(receiver.posts)) == (2, 2)


def test_partial_failure_says_what_went_where_and_a_rerun_sends_only_the_rest(
    built: report_module.Report,
    tmp_path: Path,
    smtp: tuple[Mailbox, int],
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    box, port = smtp
    write_settings(port, [hook(receiver, "ops", "slack", monkeypatch)])
    receiver.statuses = [500, 500, 500]
    assert send_report(built, tmp_path, "--send") == 3
    printed = capsys.readouterr()
    assert "sent email to ops@example.com, buyer@example.com" in printed.out
    assert (
        "FAILED webhook ops: webhook ops answered HTTP 500 Internal Server Error after 3 attempts\n"
        in printed.err
    )
    assert len(receiver.posts) == 3 and len(box.messages) == 1
    assert (tmp_path / "review.html").exists()  # the report itself is never dropped

    assert send_report(built, tmp_path, "--send") == 0
    printed = capsys.readouterr()
    assert "skipped email to ops@example.com" in printed.out and "sent webhook ops" in printed.out
    assert len(box.messages) == 1 and len(receiver.posts) == 4


def test_a_webhook_that_fails_once_is_retried_with_backoff(
    built: report_module.Report,
    tmp_path: Path,
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    write_settings(None, [hook(receiver, "ops", "json", monkeypatch)])
    receiver.statuses = [500]
    assert send_report(built, tmp_path, "--send") == 0
    assert "sent webhook ops: json message posted after 2 attempts" in capsys.readouterr().out
    assert len(receiver.posts) == 2 and receiver.posts[0][2] == receiver.posts[1][2]


def test_backoff_doubles_and_permanent_refusals_are_not_retried() -> None:
    waits: list[float] = []
    calls = {"n": 0}

    def busy() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise failures.DeliveryError("busy", transient=True)
        return "done"

    assert failures.with_retries(busy, 4, 1.5, waits.append) == ("done", 3)
    assert waits == [1.5, 3.0]

    def refused() -> None:
        calls["n"] += 1
        raise failures.DeliveryError("refused")

    calls["n"] = 0
    with pytest.raises(failures.DeliveryError, match=r"^refused$"):
        failures.with_retries(refused, 4, 1.5, waits.append)
    assert calls["n"] == 1


def test_an_unreachable_server_fails_in_one_line_after_retries(
    built: report_module.Report, tmp_path: Path, write_settings: Any, capsys: Any
) -> None:
    port = free_port()  # nothing listens there
    write_settings(port)
    assert send_report(built, tmp_path, "--send") == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"FAILED email to ops@example.com, buyer@example.com: cannot reach the SMTP server 127.0.0.1:{port}"
        " (Connection refused) after 3 attempts"
    )
    assert (
        not sentlog.path().exists() or sentlog.sent_at("report", "2026-W03", "email:ops@example.com") is None
    )


def test_a_refused_login_fails_at_once(
    built: report_module.Report,
    tmp_path: Path,
    smtp: tuple[Mailbox, int],
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    box, port = smtp
    write_settings(port)
    monkeypatch.setenv("DESK_SMTP_PASSWORD", "not-the-password")
    assert send_report(built, tmp_path, "--send") == 3
    [line, *_] = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"FAILED email to ops@example.com, buyer@example.com: the SMTP server 127.0.0.1:{port}"
        f" refused the login for {USER}: 535"
    )
    assert "attempts" not in line and len(box.logins) == 1 and box.messages == []


def test_a_rejected_recipient_is_named_and_the_others_get_the_mail(
    built: report_module.Report, tmp_path: Path, smtp: tuple[Mailbox, int], write_settings: Any, capsys: Any
) -> None:
    box, port = smtp
    write_settings(port, email={"to": ["ops@example.com", "nobody@example.com"]})
    assert send_report(built, tmp_path, "--send") == 3
    printed = capsys.readouterr()
    assert "sent email to ops@example.com:" in printed.out
    assert printed.err.splitlines()[0] == (
        "FAILED email to nobody@example.com: the SMTP server rejected the recipient:"
        " 550 5.1.1 no such mailbox here"
    )
    assert [rcpt for rcpt, _ in box.messages] == [["ops@example.com"]]

    write_settings(port, email={"to": ["nobody@example.com"]})
    assert send_report(built, tmp_path, "--send") == 3
    assert "rejected every recipient: nobody@example.com (550 5.1.1" in capsys.readouterr().err


def test_ssl_and_plain_smtp_carry_the_alerts(
    handmade_db: Path, tmp_path: Path, cert: tuple[Path, Path], write_settings: Any, capsys: Any
) -> None:
    rules = alerts.parse("rules:\n  - {name: Rate, metric: backorder_rate_lines, above: 0.5}\n", "rules.yaml")
    breaches = alerts.check(runner.on(warehouse.connect(handmade_db)), W03, rules, {})
    for security, server_options in (
        ("ssl", {"ssl_context": _server_tls(cert), "auth_require_tls": False}),
        ("none", {"auth_require_tls": False}),
    ):
        box, port = Mailbox(), free_port()
        server = Controller(
            box, hostname="127.0.0.1", port=port, authenticator=box.authenticate, **LOGIN, **server_options
        )
        server.start()
        try:
            write_settings(port, email={"security": security})
            assert send.run(dispatch.of_alerts(W03, breaches), force=True) == 0
        finally:
            server.stop()
        assert box.logins == [(USER, PASSWORD)], security
        [(_, mail)] = box.messages
        assert mail["Subject"] == "Backorder alerts 2026-W03: 1 breach(es)"
        text = mail.get_body(("plain",)).get_content()
        assert "- Backorder rate 100.0% (target ≤ 50.0%)" in text  # plain words, as on the home page
        assert "Backorder rate 100.0% (target ≤ 50.0%)" in mail.get_body(("html",)).get_content()
    assert capsys.readouterr().err == ""


def test_alerts_send_only_on_a_breach_unless_always(
    handmade_db: Path,
    tmp_path: Path,
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    write_settings(None, [hook(receiver, "ops", "json", monkeypatch)])
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("rules:\n  - {name: Rate, metric: backorder_rate_lines, above: 1.0}\n")
    command = ["alerts", "--db", str(handmade_db), "--rules", str(quiet), "--send"]
    assert cli.main(command) == 0
    assert "nothing breached, so nothing was sent" in capsys.readouterr().out
    assert receiver.posts == []
    assert cli.main([*command, "--always"]) == 0
    [(_, _, body)] = receiver.posts
    assert body["kind"] == "alerts" and body["details"] == []
    assert body["title"] == "Backorder alerts 2026-W03: none"


def test_dry_run_shows_what_and_to_whom_and_sends_nothing(
    built: report_module.Report,
    tmp_path: Path,
    smtp: tuple[Mailbox, int],
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    box, port = smtp
    write_settings(port, [hook(receiver, "ops", "slack", monkeypatch)])
    assert send_report(built, tmp_path, "--dry-run") == 0
    out = capsys.readouterr().out
    assert 'would send email to ops@example.com, buyer@example.com: "Weekly review 2026-W03: backorder' in out
    assert f"via 127.0.0.1:{port} (starttls, login desk with the password in $DESK_SMTP_PASSWORD)" in out
    assert "attached review.html" in out and "inline images" in out
    assert "would send webhook ops: slack JSON to the URL in $DESK_HOOK_OPS: *Weekly review 2026-W03" in out
    assert "dry run: nothing was sent and nothing was logged" in out
    assert box.messages == [] and receiver.posts == [] and box.logins == []
    assert not sentlog.path().exists()


def test_without_a_delivery_section_or_a_secret_nothing_is_sent(
    handmade_db: Path, tmp_path: Path, write_settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("auth: {}\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(empty))
    assert report(handmade_db, tmp_path, "--send") == 2
    assert f"not sent: {empty}: no delivery: section" in capsys.readouterr().err
    assert (tmp_path / "review.html").exists()

    write_settings(free_port())
    monkeypatch.delenv("DESK_SMTP_PASSWORD")
    assert send.run(dispatch.of_alerts(W03, [])) == 2
    assert "needs $DESK_SMTP_PASSWORD set in the environment; nothing was sent" in capsys.readouterr().err
    assert send.run(dispatch.of_alerts(W03, []), dry_run=True) == 3
    assert "FAILED environment: $DESK_SMTP_PASSWORD is not set" in capsys.readouterr().err


def test_no_secret_appears_in_any_output_log_or_report(
    built: report_module.Report,
    tmp_path: Path,
    smtp: tuple[Mailbox, int],
    receiver: Receiver,
    write_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    box, port = smtp
    write_settings(
        port, [hook(receiver, "ops", "slack", monkeypatch), hook(receiver, "bot", "json", monkeypatch)]
    )
    printed = []
    send_report(built, tmp_path, "--dry-run")
    printed.append(capsys.readouterr())
    receiver.statuses = [500] * 3  # the slack hook fails: its error message must not carry the URL
    assert send_report(built, tmp_path, "--send") == 3
    printed.append(capsys.readouterr())
    monkeypatch.setenv("DESK_SMTP_PASSWORD", PASSWORD + "-wrong")
    assert send_report(built, tmp_path, "--send", "--force") == 3
    printed.append(capsys.readouterr())
    monkeypatch.setenv("DESK_HOOK_BOT", "not a url " + TOKEN)
    send_report(built, tmp_path, "--send", "--force")
    printed.append(capsys.readouterr())

    seen = [text for result in printed for text in (result.out, result.err)]
    seen += [caplog.text, sentlog.path().read_bytes().decode(errors="replace")]
    seen += [(tmp_path / "review.html").read_text()]
    seen += [mail.as_string() for _, mail in box.messages]
    seen += [json.dumps(body) for _, _, body in receiver.posts]
    assert "FAILED webhook bot" in "".join(seen)  # the bad URL was reported, by name
    for text in seen:
        assert PASSWORD not in text and TOKEN not in text


def test_every_delivery_key_is_documented_and_the_example_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    example = EXAMPLE.read_text()
    section = settings.section("delivery", EXAMPLE)
    assert section, "settings.example.yaml shows a delivery: section"
    for key in (*config.TOP_KEYS, *config.EMAIL_KEYS, *config.WEBHOOK_KEYS):
        assert f"{key}:" in example, key
    parsed_example = config.parse(section, EXAMPLE)
    assert parsed_example.email is not None and parsed_example.webhooks


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"email": {"host": "h"}, "colour": 1}, "delivery: unknown key 'colour'"),
        ({"webhooks": [{"name": "a", "url": "https://x"}]}, "webhooks[1]: a webhook URL holds its token"),
        (
            {"webhooks": [{**HOOK, "format": "teams"}]},
            "webhooks[1].format must be one of",
        ),
        (
            {"email": {**MAIL, "security": "tls"}},
            "security must be one of",
        ),
        ({"email": {**MAIL, "to": "nobody"}}, "email.to must list one or more"),
        ({"email": {**MAIL, "user": "u"}}, "a user needs password_env"),
        (
            {"base_url": "desk.example.com", "webhooks": [HOOK]},
            "must start with http",
        ),
        (
            {"attempts": 0, "webhooks": [HOOK]},
            "attempts must be a number of at least 1",
        ),
        ({}, "set email: or webhooks:"),
    ],
)
def test_bad_delivery_settings_name_the_file_and_key(section: dict[str, Any], message: str) -> None:
    with pytest.raises(config.ConfigError, match=r"settings\.yaml: delivery") as caught:
        config.parse(section, Path("settings.yaml"))
    assert message in str(caught.value)


def test_a_server_certificate_that_is_not_trusted_stops_before_the_login(
    built: report_module.Report, tmp_path: Path, smtp: tuple[Mailbox, int], write_settings: Any, capsys: Any
) -> None:
    box, port = smtp
    write_settings(port, email={"ca_file": None})  # the system's CAs only: the test cert is self-signed
    assert send_report(built, tmp_path, "--send") == 3
    [line] = capsys.readouterr().err.splitlines()[:1]
    assert f"TLS with 127.0.0.1:{port} failed: CERTIFICATE_VERIFY_FAILED" in line
    assert "attempts" not in line and box.logins == [] and box.messages == []
