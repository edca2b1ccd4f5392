"""Many users at once: `python -m benchmarks.concurrency --lines 1000000 [--users 20] [--visits 14]`.

Starts the app on a copy of the benchmark warehouse of that size, then drives `users` sessions
through every page with different filters in the URL (?category=..&channel=..&supplier=..&start=..
&end=..): with `--client protocol` (the default) each visit is a new Streamlit session spoken to in
its own websocket messages (benchmarks/protocol.py), so the cores measure the server alone; with
`--client browser` headless Chromium sessions (Playwright, one context each), the realism check.
The app logs every rerun's seconds and CPU seconds (dashboard/app/reruns.py); the report gives
their server-side p50/p95 per page view and the app process's CPU seconds per page view. When half the visits
are done, `python -m dashboard load` builds a new warehouse from the same Parquet files and swaps
it in while the sessions keep going. Each visit is timed from the navigation to the finished
rerun (the app idle with its page drawn); an exception box, an error alert or a visit that does
not finish counts as an error. Prints p50/p95 and the errors, and writes a JSON report.
`--processes N` starts N app processes behind Caddy with sticky sessions (deploy/Caddyfile.replicas,
as a team would run them) and sums their CPU; each process keeps its own rerun log.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from benchmarks import build, measure
from dashboard import registry, settings
from dashboard.query import warehouse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CADDYFILE = measure.PROJECT_ROOT / "deploy" / "Caddyfile.replicas"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# url path of every page ("" is the home page)
PAGES = tuple(page.url_path for page in registry.PAGES)
# The page is drawn when its title is there and the script is idle, seen twice SETTLE_MS apart.
DRAWN = f"() => document.querySelector('{IDLE}') !== null && document.querySelector('h1') !== null"
SETTLE_MS = 250


@dataclass
class Visit:
    user: int
    url: str
    phase: str  # before, during or after the swap
    seconds: float | None
    errors: list[str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def choices(db: Path) -> dict:
    """The filter values to spread over the sessions, and the as-of date."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        one = lambda sql: [row[0] for row in con.execute(sql).fetchall()]  # noqa: E731
        return {
            "category": one("select distinct category from products where category is not null order by 1"),
            "channel": one("select distinct channel from orders where channel is not null order by 1"),
            "supplier": one("select supplier_id from suppliers order by 1"),
            "as_of": con.execute("select as_of from warehouse_meta").fetchone()[0],
        }
    finally:
        con.close()


def urls(base: str, user: int, visits: int, options: dict) -> list[str]:
    """This user's visits: every page in turn, each with its own mix of filters."""
    rng = random.Random(user)
    as_of: dt.date = options["as_of"]
    out = []
    for index in range(visits):
        page = PAGES[(user + index) % len(PAGES)]
        params: dict[str, str] = {}
        for name in ("category", "channel", "supplier"):
            if rng.random() < 0.4:
                params[name] = str(rng.choice(options[name]))
        if rng.random() < 0.5:
            end = as_of - dt.timedelta(days=7 * rng.randrange(0, 8))
            params["end"] = end.isoformat()
            params["start"] = (end - dt.timedelta(weeks=rng.choice((4, 8, 12, 26)))).isoformat()
        out.append(f"{base}/{page}" + (f"?{urllib.parse.urlencode(params)}" if params else ""))
    return out


async def visit(page, url: str, timeout_s: float) -> tuple[float | None, list[str]]:
    """Navigate and wait for the finished rerun; its seconds (None when it never finished) and errors."""
    started = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        while True:
            await page.wait_for_function(DRAWN, timeout=timeout_s * 1000, polling=50)
            finished = time.perf_counter()
            await page.wait_for_timeout(SETTLE_MS)
            if await page.evaluate(DRAWN):
                break
    except Exception as exc:  # a timeout or a crashed page: a failed rerun
        return None, [f"did not finish: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"]
    boxes = page.locator(ERRORS)
    errors = [f"error box: {text[:300]}" for text in await boxes.all_inner_texts()]
    return finished - started, errors


async def drive_protocol(
    base: str, users: int, visits: int, options: dict, swap, timeout_s: float
) -> list[Visit]:
    """Each user's visits in turn, each a new session over the websocket; the swap at half-way."""
    from benchmarks import protocol

    done: list[Visit] = []
    half = users * visits // 2
    state = {"phase": "before"}
    swapping: list[asyncio.Task] = []

    async def user(number: int) -> None:
        for url in urls(base, number, visits, options):
            phase = state["phase"]
            result = await protocol.visit(url, timeout_s)
            done.append(Visit(number, url, phase, result.seconds, result.errors))
            if len(done) % 20 == 0:
                print(f"  {len(done)} of {users * visits} visits, {state['phase']} the swap", flush=True)
            if len(done) == half and state["phase"] == "before":
                state["phase"] = "during"
                swapping.append(asyncio.get_running_loop().create_task(swap_then_mark()))

    async def swap_then_mark() -> None:
        await asyncio.to_thread(swap)
        state["phase"] = "after"

    await asyncio.gather(*(user(number) for number in range(users)))
    for task in swapping:
        await task  # the load may outlast the visits; the report waits for it
    return done


async def drive(base: str, users: int, visits: int, options: dict, swap, timeout_s: float) -> list[Visit]:
    from playwright.async_api import async_playwright

    done: list[Visit] = []
    half = users * visits // 2
    state = {"phase": "before"}
    swapped = asyncio.Event()

    async def user(number: int, browser) -> None:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        for url in urls(base, number, visits, options):
            phase = state["phase"]
            seconds, errors = await visit(page, url, timeout_s)
            done.append(Visit(number, url, phase, seconds, errors))
            if len(done) % 20 == 0:
                print(f"  {len(done)} of {users * visits} visits, {state['phase']} the swap", flush=True)
            if len(done) == half and state["phase"] == "before":
                state["phase"] = "during"
                asyncio.get_running_loop().create_task(swap_then_mark())
        await context.close()

    async def swap_then_mark() -> None:
        await asyncio.to_thread(swap)
        state["phase"] = "after"
        swapped.set()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(user(number, browser) for number in range(users)))
            if state["phase"] != "before":
                await swapped.wait()  # the load may outlast the visits; the report waits for it
        finally:
            await browser.close()
    return done


def server(
    db: Path, port: int, log: Path, reruns: Path | None = None, root: Path = measure.PROJECT_ROOT
) -> subprocess.Popen:
    """The app of the tree at `root` (this one, or a baseline's export) on `db`, logging its reruns."""
    env = {**os.environ, warehouse.DB_ENV_VAR: str(db.resolve()), "PYTHONWARNINGS": "ignore"}
    if reruns is not None:
        config = reruns.resolve().with_suffix(".settings.yaml")
        config.write_text(json.dumps({"performance": {"rerun_log": str(reruns.resolve())}}))
        env[settings.SETTINGS_ENV_VAR] = str(config)
    command = [
        sys.executable, "-m", "streamlit", "run", str(root / "streamlit_server.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=root)
    _wait_healthy(port, process, log)
    return process


def proxy(ports: list[int], port: int, folder: Path) -> subprocess.Popen:
    """Caddy in front of the app processes, as deploy/Caddyfile.replicas runs it for a team."""
    binary = shutil.which("caddy")
    if binary is None:
        raise RuntimeError("--processes above 1 needs caddy on the PATH (apt-get install caddy)")
    env = {
        **os.environ,
        "DESK_SITE": f"http://127.0.0.1:{port}",
        "DESK_BIND": "127.0.0.1",
        "DESK_REPLICAS": " ".join(f"127.0.0.1:{p}" for p in ports),
        "XDG_DATA_HOME": str(folder / "caddy-data"),
        "XDG_CONFIG_HOME": str(folder / "caddy-config"),
    }
    command = [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    log = folder / "caddy.log"
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    _wait_healthy(port, process, log)
    return process


def _wait_healthy(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the server on port {port} did not start within 90 s; see {log}")


def rss_mb(pid: int) -> float:
    """Resident memory of a running process (Linux), for the app's peak during the run."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_side(logs: list[Path], process_cpu_s: float) -> dict:
    """The app's own figures from its rerun logs (one per process): seconds and CPU per page view."""
    records = [json.loads(line) for log in logs if log.exists() for line in log.read_text().splitlines()]
    seconds = [r["seconds"] for r in records]
    cpu = [r["cpu_seconds"] for r in records]
    by_page = {}
    for page in sorted({r["page"] for r in records}):
        these = [r for r in records if r["page"] == page]
        by_page[page] = {
            "reruns": len(these),
            "p50_s": percentile([r["seconds"] for r in these], 0.5),
            "p95_s": percentile([r["seconds"] for r in these], 0.95),
            "cpu_p50_s": percentile([r["cpu_seconds"] for r in these], 0.5),
        }
    return {
        "reruns": len(records),
        "p50_s": percentile(seconds, 0.5),
        "p95_s": percentile(seconds, 0.95),
        "script_cpu_p50_s": percentile(cpu, 0.5),
        "process_cpu_s": process_cpu_s,
        "process_cpu_per_view_s": process_cpu_s / len(records) if records else None,
        "by_page": by_page,
    }


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(visits: list[Visit]) -> dict:
    times = [v.seconds for v in visits if v.seconds is not None]
    by_phase = {}
    for phase in ("before", "during", "after"):
        these = [v.seconds for v in visits if v.phase == phase and v.seconds is not None]
        by_phase[phase] = {"visits": sum(v.phase == phase for v in visits), "p50_s": percentile(these, 0.5)}
        by_phase[phase]["p95_s"] = percentile(these, 0.95)
    by_page = {}
    for page in registry.PAGES:
        these = [v.seconds for v in visits if v.seconds is not None and _page_of(v.url) == page.url_path]
        by_page[page.name] = {"p50_s": percentile(these, 0.5), "p95_s": percentile(these, 0.95)}
    return {
        "visits": len(visits),
        "p50_s": percentile(times, 0.5),
        "p95_s": percentile(times, 0.95),
        "mean_s": statistics.fmean(times) if times else None,
        "failed_reruns": sum(v.seconds is None for v in visits),
        "error_boxes": sum(len(v.errors) for v in visits if v.seconds is not None),
        "errors": [{"url": v.url, "phase": v.phase, "errors": v.errors} for v in visits if v.errors],
        "by_phase": by_phase,
        "by_page": by_page,
    }


def _page_of(url: str) -> str:
    return urllib.parse.urlparse(url).path.strip("/")


def main(argv: list[str] | None = None) -> None:
    about = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=about)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=build.SEED)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--visits", type=int, default=14, help="page visits per user (2 rounds of 7 pages)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds until a visit fails")
    parser.add_argument("--root", type=Path, default=build.DATA)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--client", choices=("protocol", "browser"), default="protocol")
    parser.add_argument(
        "--db", type=Path, help="use this warehouse (its Parquet files for the swap: --parquet)"
    )
    parser.add_argument("--parquet", type=Path, help="files the swap loads (default: the benchmark build's)")
    parser.add_argument(
        "--processes", type=int, default=1, help="app processes; above 1, behind Caddy with sticky sessions"
    )
    args = parser.parse_args(argv)

    if args.db:
        source_db, parquet = args.db, args.parquet
    else:
        built = build.ensure(args.lines, args.seed, args.root)
        source_db, parquet = built.db, args.parquet or built.parquet
    work = args.root / f"concurrency-{args.lines}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    shutil.copyfile(source_db, db)
    options = choices(db)
    ports = [_free_port() for _ in range(args.processes)]
    logs = [work / f"reruns-{number}.jsonl" for number in range(args.processes)]
    apps = [server(db, ports[n], work / f"app-{n}.log", logs[n]) for n in range(args.processes)]
    port = _free_port() if args.processes > 1 else ports[0]
    front = proxy(ports, port, work) if args.processes > 1 else None
    cpu_before = sum(cpu_seconds(app.pid) for app in apps)
    swap_record: dict = {}

    def swap() -> None:
        """A new warehouse from the same files, built beside the live one and swapped in."""
        started = time.perf_counter()
        command = [sys.executable, "-m", "dashboard", "load", str(parquet), "--db", str(db)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=measure.PROJECT_ROOT, check=False)
        swap_record.update(
            seconds=time.perf_counter() - started,
            returncode=done.returncode,
            output=(done.stdout + done.stderr)[-2000:],
            version_changed=True,
        )

    print(
        f"{args.users} {args.client} users x {args.visits} visits on {args.lines:,} lines, "
        f"{args.processes} app process(es), port {port} ..."
    )
    driver = drive_protocol if args.client == "protocol" else drive
    version_before = warehouse.version(db)
    started = time.perf_counter()
    try:
        visits = asyncio.run(
            driver(f"http://127.0.0.1:{port}", args.users, args.visits, options, swap, args.timeout)
        )
    finally:
        app_rss = max(rss_mb(app.pid) for app in apps)
        app_cpu = sum(cpu_seconds(app.pid) for app in apps) - cpu_before
        for process in [*apps, *([front] if front else [])]:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    swap_record["version_changed"] = warehouse.version(db) != version_before
    result = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "lines": args.lines,
        "users": args.users,
        "visits_per_user": args.visits,
        "wall_s": time.perf_counter() - started,
        "app_peak_rss_mb": app_rss,
        "swap": swap_record,
        "cores": os.cpu_count(),
        "client": args.client,
        "processes": args.processes,
        "server": server_side(logs, app_cpu),
        **summary(visits),
        "all_visits": [asdict(v) for v in visits],
    }
    out = args.out or args.root / f"concurrency-{args.lines}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(
        f"{result['visits']} visits in {result['wall_s']:.0f} s: p50 {result['p50_s']:.2f} s, "
        f"p95 {result['p95_s']:.2f} s; error boxes {result['error_boxes']}, "
        f"failed reruns {result['failed_reruns']}; app peak memory {app_rss:,.0f} MB (largest process)"
    )
    swap_state = "swapped in" if swap_record.get("version_changed") else "NOT swapped in"
    print(f"new warehouse loaded in {swap_record.get('seconds', 0):.1f} s and {swap_state}")
    for phase, figures in result["by_phase"].items():
        print(f"  {phase} the swap: {figures}")
    for page, figures in result["by_page"].items():
        print(f"  {page}: {figures}")
    side = result["server"]
    print(
        f"server side, {side['reruns']} reruns: p50 {side['p50_s']} s, "
        f"p95 {side['p95_s']} s (target p95 <= 3 s); "
        f"CPU per page view: script p50 {side['script_cpu_p50_s']} s, process "
        f"{side['process_cpu_per_view_s']} s (target median <= 0.25 s)"
    )
    for page, figures in side["by_page"].items():
        print(f"  server {page}: {figures}")
    for error in result["errors"][:20]:
        print(f"  ERROR {error['phase']} {error['url']}: {error['errors']}")
    print(f"JSON report: {out}")
    if result["error_boxes"] or result["failed_reruns"] or swap_record.get("returncode"):
        sys.exit(1)


if __name__ == "__main__":
    main()
