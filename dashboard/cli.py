"""`python -m dashboard ...`: run the app, build or load a warehouse, and run queries from the shell."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import export
from dashboard.query import catalog, runner, targets, warehouse
from dashboard.query.targets import Target

MAX_PROBLEMS_SHOWN = 20


def _target(args: argparse.Namespace) -> Target:
    """--db wins over the environment; either way the rest of the code reads the environment. A
    local path is made absolute, so the app's working directory does not matter."""
    if getattr(args, "db", None):
        found = targets.parse(args.db)
        value = args.db
        if found.path is not None:
            local = str(Path(found.location).resolve())
            value = local if found.kind == targets.FILE else f"parquet:{local}"
        os.environ[warehouse.DB_ENV_VAR] = value
    return warehouse.target()


def _db(args: argparse.Namespace) -> Path:
    """The warehouse file a command builds or reads from: only a local DuckDB file will do."""
    _target(args)
    return warehouse.default_path()


class _Bar:
    """A one-line terminal progress bar; silent when stderr is not a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.tty:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.monotonic() - self.started
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:.0f}s"
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _ensure_sample(found: Target) -> None:
    """Build the sample into a missing default-kind warehouse file; other kinds are never built here."""
    if found.kind != targets.FILE or warehouse.exists(found):
        return
    path = Path(found.location)
    from dashboard.ingest import sample_warehouse

    print(f"No warehouse at {path}; building the sample warehouse first.", file=sys.stderr)
    sample_warehouse.build_sample(path, progress=_Bar("sample"))


def sign_in_configured() -> str | None:
    """Which sign-in the app will ask for: 'oidc' ([auth] in .streamlit/secrets.toml), 'proxy'
    (auth.proxy.header in the settings file), or None."""
    import tomllib

    from dashboard import access

    for secrets in (
        warehouse.PROJECT_ROOT / ".streamlit" / "secrets.toml",
        Path.home() / ".streamlit" / "secrets.toml",
    ):
        if secrets.exists():
            with secrets.open("rb") as handle:
                if tomllib.load(handle).get("auth"):
                    return "oidc"
    return "proxy" if access.load().proxy.header else None


def run_command(args: argparse.Namespace) -> list[str]:
    """The streamlit command line; with no sign-in it listens on 127.0.0.1 unless --listen-anywhere."""
    server = warehouse.PROJECT_ROOT / "streamlit_server.py"  # streamlit_app.py behind the server guards
    command = [sys.executable, "-m", "streamlit", "run", str(server), "--server.port", str(args.port)]
    mode = sign_in_configured()
    if mode:
        address = args.address or "0.0.0.0"
        print(f"Sign-in: {mode}. Listening on {address}:{args.port}.", file=sys.stderr)
    elif args.listen_anywhere:
        address = args.address or "0.0.0.0"
        print(
            f"WARNING: no sign-in is configured and the server listens on {address}:{args.port}: anyone "
            "who can reach it can load data and write notes (README: Running it for a team).",
            file=sys.stderr,
        )
    else:
        address = "127.0.0.1"
        if args.address and args.address not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"no sign-in is configured: add --listen-anywhere to listen on {args.address}")
        print(
            f"No sign-in configured: listening on 127.0.0.1:{args.port} only (this computer). "
            "See the README's 'Running it for a team' to share it.",
            file=sys.stderr,
        )
    return [*command, "--server.address", address, *args.streamlit_args]


def cmd_run(args: argparse.Namespace) -> int:
    """Replaces this process with Streamlit, so a signal sent to its PID reaches the server itself."""
    _target(args)
    command = run_command(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
    return 0  # not reached


def cmd_sample(args: argparse.Namespace) -> int:
    from dashboard import sample
    from dashboard.ingest import sample_warehouse

    started = time.monotonic()
    if args.out:
        counts = sample.write(
            Path(args.out),
            lines=args.lines,
            seed=args.seed,
            progress=_Bar("sample"),
            fmt=args.format,
            snapshot_every=args.snapshot_every,
        )
        where = args.out
    else:
        path = _db(args)
        counts = sample_warehouse.build_sample(
            path, lines=args.lines, seed=args.seed, progress=_Bar("sample")
        )
        where = str(path)
    total = ", ".join(f"{table} {count:,}" for table, count in counts.items())
    print(f"sample written to {where} in {time.monotonic() - started:.1f}s: {total}")
    return 0


def print_problems(
    problems: Sequence[Any], total: int, rejects: Path | None, shown: int = MAX_PROBLEMS_SHOWN
) -> None:
    """The first problems, then how many of all of them that was and where the rest are: numbers
    that add up ("showing 20 of 5,741"), since the listed ones are capped per kind of problem."""
    printed = [problem for problem in problems[:shown]]
    for problem in printed:
        print(f"  {problem}", file=sys.stderr)
    rows = sum(1 for p in printed if not (p.row is None and p.value is None and p.reason.startswith("and ")))
    where = f"; every problem is listed in {rejects}" if rejects else ""
    if rows < total or rejects:
        print(f"showing {rows:,} of {total:,} problems{where}", file=sys.stderr)


def _audit_load(args: argparse.Namespace, outcome: str, detail: str) -> None:
    """A load from the shell goes into the same audit trail as one from the Data page."""
    import getpass

    from dashboard.review import audit

    mode = "append" if args.append else "replace"
    files = [Path(args.source), *([Path(args.mapping)] if args.mapping else [])]
    audit.record(f"cli:{getpass.getuser()}", mode, outcome, detail, audit.file_facts(files))


def _share(text: str) -> float:
    """`--max-skipped 5` or `5%`: a percentage of a table's rows, as a share."""
    try:
        value = float(text.strip().removesuffix("%")) / 100
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage, e.g. 5 or 12.5%") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 100")
    return value


def cmd_load(args: argparse.Namespace) -> int:
    from dashboard import ingest

    path = _db(args)
    rejects = Path(args.rejects) if args.rejects else path.with_name(f"{path.stem}.rejects.csv")
    options = ingest.Options(
        mapping=Path(args.mapping) if args.mapping else None,
        append=args.append,
        skip_bad_rows=args.skip_bad_rows,
        rejects=rejects,
        max_skipped=args.max_skipped,
    )
    started = time.monotonic()
    try:
        prepared = ingest.prepare(
            Path(args.source), path, options, progress=lambda message: print(message, file=sys.stderr)
        )
        ingest.commit(prepared)
    except ingest.LoadError as exc:
        _audit_load(args, "failed", f"{exc.total:,} problems: {exc.problems[0] if exc.problems else ''}")
        print(f"load failed: {exc.total:,} problems; {path} is unchanged", file=sys.stderr)
        print_problems(exc.problems, exc.total, exc.rejects)
        return 1
    outcome = prepared.outcome
    _audit_load(args, "ok", f"{sum(outcome.counts.values()):,} rows, {outcome.skipped:,} bad rows left out")
    if outcome.skipped:
        print(
            f"left out {outcome.skipped:,} bad rows ({outcome.total_problems:,} problems):", file=sys.stderr
        )
        print_problems(outcome.problems, outcome.total_problems, outcome.rejects)
    elif not args.rejects and rejects.exists():
        rejects.unlink()
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    total = ", ".join(f"{table} {count:,}" for table, count in outcome.counts.items())
    verb = "appended" if args.append else "loaded"
    print(f"{verb} {args.source} into {path} in {time.monotonic() - started:.1f}s: {total}")
    for note in outcome.notes:
        print(f"note: {note}")
    return 0


def cmd_export_parquet(args: argparse.Namespace) -> int:
    from dashboard.ingest import to_parquet

    path = _db(args)
    started = time.monotonic()
    done = to_parquet.export(path, Path(args.folder))
    total = sum(done.rows.values())
    print(
        f"exported {path} to {done.folder} in {time.monotonic() - started:.1f}s: {len(done.rows)} tables"
        f" and views, {total:,} rows; serve it with --db parquet:{Path(args.folder).resolve()}"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    found = _target(args)
    _ensure_sample(found)
    con = warehouse.connect(found)
    results = catalog.check(con, {})
    failures = [r for r in results if r.error]
    for result in results:
        status = "FAIL" if result.error else "ok  "
        print(f"{status} {result.query.file}" + (f" ({result.rows:,} rows)" if not result.error else ""))
    for result in failures:
        print(f"\n{result.query.file}:\n  {result.error}", file=sys.stderr)
    unlabelled = [r for r in results if r.unlabelled]
    for result in unlabelled:
        listed = ", ".join(result.unlabelled)
        print(f"warning: {result.query.file}: output columns without a label under columns: {listed}")
    print(
        f"{len(results) - len(failures)} passed, {len(failures)} failed"
        + (f", {len(unlabelled)} with unlabelled columns" if unlabelled else "")
    )
    return 1 if failures else 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is None:
        return None
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{column: _jsonable(value) for column, value in row.items()} for row in frame.to_dict("records")]


def kpis(con: Any, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, Any]:
    """The KPI record for a period; `from` defaults to 4 weeks (28 days, inclusive) before `to`."""
    query = catalog.find("kpis")
    day = catalog.as_of(con)
    end = end or day
    start = start or end - dt.timedelta(days=27)
    return records(runner.on(con, day)(query, {"start": start, "end": end}))[0]


def _date(text: str | None, option: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date; use YYYY-MM-DD") from None


def cmd_kpis(args: argparse.Namespace) -> int:
    found = _target(args)
    _ensure_sample(found)
    con = warehouse.connect(found)
    start = _date(args.start, "--from")
    end = _date(args.end, "--to")
    result = kpis(con, start, end)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        width = max(len(key) for key in result)
        for key, value in result.items():
            shown = f"{value:,.4f}" if isinstance(value, float) else ("" if value is None else f"{value}")
            print(f"{key:<{width}}  {shown}")
    return 0


def _param_values(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param takes name=value, got {pair!r}")
        values[name.strip()] = value
    return values


def cmd_query(args: argparse.Namespace) -> int:
    found = _target(args)
    _ensure_sample(found)
    con = warehouse.connect(found)
    try:
        query = catalog.find(args.name)
        values = _param_values(args.param)
        unknown = sorted(set(values) - {p.name for p in query.params})
        if unknown:
            raise catalog.QueryError(f"{query.file}: no parameter named '{unknown[0]}'")
        frame = runner.on(con)(query, values)
    except catalog.QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(records(frame), indent=2))
    else:
        sys.stdout.write(export.to_csv(frame))
    return 0


def _review_setup(args: argparse.Namespace) -> tuple[Any, Any, dt.date, Any]:
    """The connection, runner, as-of date and week (--week, or the last complete one)."""
    from dashboard.review import weekly

    found = _target(args)
    _ensure_sample(found)
    con = warehouse.connect(found)
    as_of = catalog.as_of(con)
    week = weekly.Week.parse(args.week) if args.week else weekly.default_week(as_of)
    return con, runner.on(con, as_of), as_of, week


def _breaches(con: Any, run: Any, week: Any, rules_path: Path) -> list[Any]:
    from dashboard.review import alerts, weekly

    rules = alerts.load(rules_path)
    groups = {name: catalog.choices(con, source) for name, source in alerts.GROUP_SOURCES.items()}
    names = {"supplier": catalog.labels(con, "suppliers.supplier_id", "suppliers.supplier_name")}
    return alerts.check(run, week, rules, groups, scores=weekly.risk_scores(con), names=names)


def cmd_report(args: argparse.Namespace) -> int:
    from dashboard.review import alerts, report, weekly

    try:
        con, run, as_of, week = _review_setup(args)
        rules = Path(args.rules) if args.rules else alerts.DEFAULT_RULES
        breaches = _breaches(con, run, week, rules) if rules.exists() else []
        built = report.build(run, week, as_of, breaches=breaches, scores=weekly.risk_scores(con))
    except (ValueError, alerts.RulesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out or f"weekly-review-{week.label}.html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(built.html, encoding="utf-8")
    written = [str(out)]
    if args.pdf:
        pdf = out.with_suffix(".pdf")
        try:
            report.to_pdf(out, pdf)
            written.append(str(pdf))
        except RuntimeError as exc:
            print(f"PDF not written: {exc}", file=sys.stderr)
    print(f"Weekly review {week.label} written to {' and '.join(written)}: {built.summary}")
    if args.send or args.dry_run:
        from dashboard.review.delivery import dispatch, send

        files = [Path(name) for name in written]
        return send.run(dispatch.of_report(built, files, breaches), args.dry_run, args.force)
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from dashboard.review import alerts

    try:
        con, run, _, week = _review_setup(args)
        breaches = _breaches(con, run, week, Path(args.rules) if args.rules else alerts.DEFAULT_RULES)
    except (ValueError, alerts.RulesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for breach in breaches:
        print(f"BREACH {week.label} {breach.rule.name}: {breach}")
    print(f"{len(breaches)} breach(es) in {week.label}")
    if (args.send or args.dry_run) and (breaches or args.always):
        from dashboard.review.delivery import dispatch, send

        sent = send.run(dispatch.of_alerts(week, breaches), args.dry_run, args.force)
        if sent:
            return sent
    elif args.send or args.dry_run:
        print("nothing breached, so nothing was sent (--always sends anyway)")
    return 1 if breaches else 0


def _send_flags(sub: argparse.ArgumentParser, what: str) -> None:
    sub.add_argument(
        "--send",
        action="store_true",
        help=f"send {what} to the delivery: targets in the settings file (exit 3 if any fails)",
    )
    sub.add_argument("--dry-run", action="store_true", help="show what --send would send, and to whom")
    sub.add_argument("--force", action="store_true", help="with --send: send again a week already sent")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Any, help_text: str, db: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if db:
            sub.add_argument(
                "--db",
                help=f"warehouse: a DuckDB file, parquet:FOLDER, md:NAME or ducklake:CATALOG"
                f" (default: ${warehouse.DB_ENV_VAR} or data/warehouse.duckdb)",
            )
        sub.set_defaults(handler=handler)
        return sub

    run = command("run", cmd_run, "start the dashboard (builds the sample warehouse on first start)")
    run.add_argument("--port", type=int, default=8501)
    run.add_argument("--address", help="interface to listen on (default: 127.0.0.1 without sign-in)")
    run.add_argument(
        "--listen-anywhere",
        action="store_true",
        help="listen on every interface even though no sign-in is configured (the app warns)",
    )
    run.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="passed on to streamlit run")

    from dashboard.sample import DEFAULT_LINES

    sample = command("sample", cmd_sample, "generate the deterministic sample shop")
    sample.add_argument("--lines", type=int, default=DEFAULT_LINES, help="order lines (default %(default)s)")
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--out", help="write <table>.<format> files here instead of building a warehouse")
    sample.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="file format with --out"
    )
    sample.add_argument(
        "--snapshot-every",
        type=int,
        default=1,
        metavar="DAYS",
        help="with --out: keep one inventory snapshot every DAYS days (7: Sundays) for a smaller sample",
    )

    from dashboard.ingest import checks as ingest_checks
    from dashboard.ingest import formats

    load = command(
        "load",
        cmd_load,
        f"load DIR (or a .zip) of {formats.described()} files into the warehouse, atomically",
    )
    load.add_argument("source", help="folder (or .zip) holding the files")
    load.add_argument(
        "--mapping", metavar="FILE", help="YAML mapping from your export's columns (see the README)"
    )
    load.add_argument(
        "--append",
        action="store_true",
        help="add to the existing warehouse, replacing rows with the same key",
    )
    load.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="load the good rows and leave out (and report) the bad ones",
    )
    load.add_argument(
        "--max-skipped",
        type=_share,
        default=ingest_checks.MAX_SKIPPED,
        metavar="PCT",
        help="with --skip-bad-rows, stop when more than PCT%% of any table's rows would be left out"
        f" (default {ingest_checks.MAX_SKIPPED * 100:g})",
    )
    load.add_argument(
        "--rejects",
        metavar="PATH",
        help="where to list every problem (default: <db>.rejects.csv beside the db)",
    )

    parquet = command(
        "export-parquet",
        cmd_export_parquet,
        "publish a warehouse file as Parquet files in FOLDER, served by --db parquet:FOLDER",
    )
    parquet.add_argument("folder", help="folder to write a new version into (its CURRENT file then names it)")

    command("check", cmd_check, "run every query file with default parameters; non-zero on any failure")

    kpi = command("kpis", cmd_kpis, "headline KPIs for a period (default: the 4 weeks to the as-of date)")
    kpi.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 27 days before --to)")
    kpi.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: the as-of date)")
    kpi.add_argument("--format", choices=("json", "table"), default="json")

    weekly = command("report", cmd_report, "write the weekly review as one self-contained HTML file")
    weekly.add_argument("--week", help="ISO week like 2026-W46 (default: the last complete week)")
    weekly.add_argument("--out", help="HTML file to write (default: weekly-review-<week>.html)")
    weekly.add_argument("--pdf", action="store_true", help="also print a PDF beside it with Chromium")
    weekly.add_argument("--rules", help="alert rules shown in the report (default: alerts.yaml)")
    _send_flags(weekly, "the report")

    alert = command("alerts", cmd_alerts, "check alert rules against a week; exit 1 on any breach")
    alert.add_argument("--rules", help="YAML rules file (default: alerts.yaml in the project)")
    alert.add_argument("--week", help="ISO week like 2026-W46 (default: the last complete week)")
    _send_flags(alert, "the breaches, only when there are any")
    alert.add_argument("--always", action="store_true", help="with --send: send even when nothing breaches")

    query = command("query", cmd_query, "run one query file and print its rows")
    query.add_argument(
        "name", help="query id (file name without .sql), path under queries/, or any .sql file (sandboxed)"
    )
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    query.add_argument("--format", choices=("csv", "json"), default="csv")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (ValueError, OSError) as exc:  # bad input (a date, a file, a setting): one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
