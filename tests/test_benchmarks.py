"""A smoke run of the benchmark at a tiny size: every step runs and the report holds together (no timings)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from benchmarks import baselines, concurrency, page_cpu, pages, run
from dashboard import registry

LINES = 3000


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("bench")
    out = root / "report.json"
    run.main(["--lines", str(LINES), "--runs", "1", "--root", str(root), "--out", str(out)])
    return {**json.loads(out.read_text()), "root": str(root)}


def test_report_has_machine_targets_and_one_size(report: dict) -> None:
    assert report["machine"]["cores"] >= 1
    assert report["targets"] == run.TARGETS
    [size] = report["sizes"]
    assert size["lines"] == LINES
    build = size["build"]
    assert build["order_lines"] > 0
    assert build["warehouse_bytes"] > 0 and build["parquet_bytes"] > 0
    assert Path(build["folder"]).parent == Path(report["root"])
    assert size["app_rss_mb"] > 0


def test_every_page_is_measured_with_its_floor(report: dict) -> None:
    [size] = report["sizes"]
    assert list(size["pages"]) == [page.name for page in registry.PAGES]
    for page, entry in size["pages"].items():
        ours = entry["ours"]
        assert ours["queries"], page
        assert ours["cold_s"] > 0 and ours["warm_s"] > 0, page
        assert len(ours["warm_runs"]) == 1, page
        assert entry["floor"]["sql"], page
        assert entry["floor"]["warm_s"] >= 0, page
        assert "floor_ratio_warm" in entry["ratios"], page


def test_pandas_baselines_were_checked_equal_to_our_queries(report: dict) -> None:
    [size] = report["sizes"]
    checked = {}
    for entry in size["pages"].values():
        for name, baseline in entry.get("pandas", {}).get("baselines", {}).items():
            checked[name] = baseline
    assert set(checked) == {b.name for b in baselines.BASELINES}
    for name, baseline in checked.items():
        assert baseline["equal"], (name, baseline["problems"])
        assert baseline["rows"] > 0, name
        assert "warm_s" in baseline, name


def test_verdict_judges_every_target(report: dict) -> None:
    [size] = report["sizes"]
    verdict = size["verdict"]
    assert "generation seconds" in verdict and "app peak memory MB" in verdict
    for page in pages.PAGES:
        assert f"{page}: warm seconds" in verdict
        assert f"{page}: cold seconds" in verdict
    for check in verdict.values():
        assert set(check) == {"value", "target", "met"}
        assert isinstance(check["met"], bool)


def test_benchmark_data_stays_out_of_the_repository() -> None:
    ignored = (Path(__file__).parent.parent / ".gitignore").read_text().splitlines()
    assert "/benchmarks/data/" in ignored


def test_page_cpu_summarises_each_page_against_the_target() -> None:
    seen = (("backorders", 0.1), ("backorders", 0.3), ("backorders", 0.9), ("data", 0.05))
    views = [
        {"page": page, "url": f"/{page}", "script_cpu_s": cpu, "process_cpu_s": cpu + 0.1, "server_s": cpu}
        | {"errors": ["error box: x"] if cpu == 0.9 else []}
        for page, cpu in seen
    ]
    figures = page_cpu.summary(views, peak_mb=300)
    assert figures["by_page"]["backorders"]["views"] == 3
    assert figures["by_page"]["backorders"]["script_cpu_p50_s"] == 0.3
    assert figures["script_cpu_p50_s"] == pytest.approx(0.2)
    assert figures["process_cpu_per_view_s"] == pytest.approx((0.1 + 0.3 + 0.9 + 0.05) / 4 + 0.1)
    assert figures["errors"] == [{"url": "/backorders", "errors": ["error box: x"]}]
    printed = "\n".join(page_cpu.report("this tree", figures))
    assert "target <= 0.25 s: met" in printed and "ERROR /backorders" in printed
    assert page_cpu.verdict(0.26) == "NOT met"


def test_page_cpu_visits_every_page_the_same_number_of_times() -> None:
    options = {"category": ["Toys"], "channel": ["web"], "supplier": ["S1"], "as_of": dt.date(2026, 1, 24)}
    urls = page_cpu.plan(3, options)
    pages = [concurrency._page_of(url) for url in urls]
    assert pages == [page for page in concurrency.PAGES for _ in range(3)]
    assert urls == page_cpu.plan(3, options)  # the same visits for this tree and a baseline
