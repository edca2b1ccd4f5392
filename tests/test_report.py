"""The meeting report and the alerts: contents, offline rendering, exit codes, crafted rules."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from dashboard import cli
from dashboard.query import runner, warehouse
from dashboard.review import alerts, report, weekly

W03 = weekly.Week(dt.date(2026, 1, 12))
GROUPS = {"supplier": ["S1", "S2"], "category": ["Tools", "Toys"], "channel": ["marketplace", "store", "web"]}


@pytest.fixture(scope="module")
def sample_report(sample_db: Path) -> report.Report:
    con = warehouse.connect(sample_db)
    run = runner.on(con)
    return report.build(run, weekly.Week.parse("2026-W46"), weekly.default_week(dt.date(2026, 11, 22)).end)


def test_report_holds_every_tile_value_and_a_chart(sample_db: Path, sample_report: report.Report) -> None:
    run = runner.on(warehouse.connect(sample_db))
    for item in weekly.tiles(run, weekly.Week.parse("2026-W46")):
        assert f'<div class="value">{weekly.fmt(item.tile.kind, item.value)}</div>' in sample_report.html
        assert weekly.fmt_change(item.tile.kind, item.delta) in sample_report.html
    assert sample_report.html.count("<svg") >= 2 + len(weekly.TILES)
    assert 'class="marks"' in sample_report.html  # a rendered Vega chart, not only sparklines
    assert "Weekly review 2026-W46" in sample_report.html


def test_report_reads_like_the_pages(sample_report: report.Report) -> None:
    """Business formatting: labels, not snake_case headers; empty cells, not NaT/None/nan; Yes/No; the
    verdict on top; no empty 'Filters: .'."""
    import re

    text = re.sub(r"<svg.*?</svg>", "", sample_report.html, flags=re.S)
    headers = re.findall(r"<th[^>]*>(.*?)</th>", text)
    assert headers and not [h for h in headers if "_" in h]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", text)
    assert cells and not {c for c in cells if c in ("NaT", "None", "nan", "True", "False")}
    assert '<p class="verdict">Backlog ' in text
    assert "Filters: ." not in text
    assert any(c.startswith("$") and "," in c for c in cells)  # money with the currency and separators


def test_report_needs_nothing_from_the_network(sample_report: report.Report) -> None:
    lowered = sample_report.html.lower()
    for outside in ("<script", 'src="http', 'href="http', "@import", "url(http"):
        assert outside not in lowered


def test_report_opens_in_chromium_without_requests(sample_report: report.Report, tmp_path: Path) -> None:
    browser = report.chromium()
    if browser is None:
        import os

        if os.environ.get("CI") or os.environ.get("BACKORDER_REQUIRE_BROWSER"):
            pytest.fail("no Chromium in CI for the offline report test")
        pytest.skip("no Chromium found: install it (apt-get install chromium) to run this test")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(sample_report.html, encoding="utf-8")
    requested: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser, args=list(report.CHROMIUM_ARGS[1:]))
        page = chromium.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("networkidle")
        assert page.locator(".tile").count() == len(weekly.TILES) + 1  # and the Outlook projection's
        page.screenshot(path=str(warehouse.PROJECT_ROOT / "test-artifacts" / "report.png"), full_page=True)
        chromium.close()
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []


def test_report_command_writes_html_and_prints_one_line(handmade_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out" / "review.html"
    assert cli.main(["report", "--db", str(handmade_db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1
    assert printed[0].startswith(f"Weekly review 2026-W03 written to {out}: backorder rate 100.0% (+40.0 pp)")
    assert "Weekly review 2026-W03" in out.read_text()


def test_report_command_rejects_a_bad_week(handmade_db: Path, capsys) -> None:
    assert cli.main(["report", "--db", str(handmade_db), "--week", "last week"]) == 2
    assert "not an ISO week" in capsys.readouterr().err


@pytest.fixture
def handmade_run(handmade_db: Path) -> weekly.Runner:
    return runner.on(warehouse.connect(handmade_db))


def test_alerts_fire_on_crafted_rules(handmade_run: weekly.Runner) -> None:
    rules = alerts.parse(
        "rules:\n"
        "  - {name: Rate, metric: backorder_rate_lines, above: 0.5}\n"
        "  - {name: On time, metric: supplier_on_time_rate, below: 0.9, per: supplier}\n"
        "  - {name: Value, metric: open_backorder_value, below: 100}\n",
        "rules.yaml",
    )
    found = [str(b) for b in alerts.check(handmade_run, W03, rules, GROUPS)]
    assert found == [
        "Backorder rate 100.0% (target ≤ 50.0%)",
        "S2 on-time rate 0.0% (target ≥ 90.0%)",
        "Open backorder value $60 (target ≥ $100)",
    ]
    named = alerts.check(handmade_run, W03, rules[1:2], GROUPS, names={"supplier": {"S2": "Second Supply"}})
    assert [str(b) for b in named] == ["Second Supply on-time rate 0.0% (target ≥ 90.0%)"]


def test_a_per_supplier_alert_runs_only_what_its_metric_needs(handmade_run: weekly.Runner) -> None:
    """Each supplier's check runs kpis.sql alone (the review's page views paid for the projection of
    every supplier too), and each figure is the one kpis() gives."""
    ran: list[str] = []

    def counting(query: Any, values: Any) -> Any:
        ran.append(query if isinstance(query, str) else query.id)
        return handmade_run(query, values)

    rules = alerts.parse("rules:\n  - {metric: supplier_on_time_rate, below: 2.0, per: supplier}\n", "r.yaml")
    found = alerts.check(counting, W03, rules, GROUPS)
    assert ran == ["kpis", "kpis"]
    for breach, supplier in zip(found, GROUPS["supplier"], strict=True):
        figures = weekly.kpis(handmade_run, W03, {"supplier": supplier})
        assert breach.value == pytest.approx(figures["supplier_on_time_rate"])
    for name in ("projected_stockout_skus", "open_backorder_value"):
        assert (
            weekly.metric(handmade_run, W03, name, {"supplier": "S1"})
            == weekly.kpis(handmade_run, W03, {"supplier": "S1"})[name]
        )


def test_alerts_stay_quiet_when_nothing_crosses(handmade_run: weekly.Runner) -> None:
    rules = alerts.parse(
        "rules:\n"
        "  - {metric: backorder_rate_lines, above: 1.0}\n"
        "  - {metric: supplier_on_time_rate, below: 0.0, per: supplier}\n"
        "  - {metric: backorder_cancellation_rate, above: 0.1}\n",  # null in W02: nothing to rate
        "rules.yaml",
    )
    assert alerts.check(handmade_run, W03, rules[:2], GROUPS) == []
    assert alerts.check(handmade_run, W03.previous, rules[2:], GROUPS) == []


def test_alerts_command_exit_codes(handmade_db: Path, tmp_path: Path, capsys) -> None:
    loud, quiet = tmp_path / "loud.yaml", tmp_path / "quiet.yaml"
    loud.write_text("rules:\n  - {name: Rate, metric: backorder_rate_lines, above: 0.5}\n")
    quiet.write_text("rules:\n  - {name: Rate, metric: backorder_rate_lines, above: 1.0}\n")
    assert cli.main(["alerts", "--db", str(handmade_db), "--rules", str(loud)]) == 1
    assert "BREACH 2026-W03 Rate: Backorder rate 100.0% (target ≤ 50.0%)" in capsys.readouterr().out
    assert cli.main(["alerts", "--db", str(handmade_db), "--rules", str(quiet)]) == 0
    assert "0 breach(es) in 2026-W03" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rules:\n  - {metric: backorder_rate_lines, above: 1, colour: red}\n",
            "rule 1: unknown key 'colour'",
        ),
        ("rules:\n  - {metric: happiness, above: 1}\n", "rule 1: metric 'happiness' is not one of"),
        ("rules:\n  - {metric: unit_fill_rate}\n", "rule 1: give a threshold with 'above' or 'below'"),
        ("rules:\n  - {metric: unit_fill_rate, below: lots}\n", "rule 1: 'below' must be a number"),
        (
            "rules:\n  - {metric: unit_fill_rate, below: 1, per: planet}\n",
            "rule 1: per 'planet' is not one of",
        ),
        ("alerts: []\n", "expected a top-level 'rules:' list"),
    ],
)
def test_bad_rules_name_the_file_and_rule(text: str, message: str) -> None:
    with pytest.raises(alerts.RulesError, match=r"rules\.yaml") as caught:
        alerts.parse(text, "rules.yaml")
    assert message in str(caught.value)


def test_shipped_rules_file_parses() -> None:
    assert len(alerts.load(alerts.DEFAULT_RULES)) >= 3


def test_revenue_at_risk_is_a_tile_an_alert_and_in_the_report(sample_db: Path) -> None:
    """Revenue at risk comes from the cancellation-risk model: the weekly tile is the same sum the
    Cancellation risk page shows for the week's end, an alert rule can watch it, and the report
    carries it with the customers to notify."""
    from dashboard.model import risk

    con = warehouse.connect(sample_db)
    run, scores = runner.on(con), weekly.risk_scores(con)
    week = weekly.Week.parse("2026-W46")
    tiles = {item.tile.key: item for item in weekly.tiles(run, week, scores=scores)}
    tile = tiles["revenue_at_risk"]
    expected = risk.score_open_lines(con, week.end)["expected_loss"].sum()
    assert tile.value == pytest.approx(expected) and tile.value > 0
    assert tile.previous == pytest.approx(
        risk.score_open_lines(con, week.previous.end)["expected_loss"].sum()
    )
    # Its line: the 12 weeks to this one, each scored by the model fitted by that week's end.
    assert len(tile.series) == weekly.TREND_WEEKS and tile.series[-1] == pytest.approx(tile.value)
    assert tile.series[-2] == pytest.approx(tile.previous)
    rules = alerts.parse(
        f"rules:\n  - {{name: Risk, metric: revenue_at_risk, above: {tile.value / 2:.0f}}}\n"
        f"  - {{name: Risk low, metric: revenue_at_risk, above: {tile.value * 2:.0f}}}\n",
        "rules.yaml",
    )
    found = alerts.check(run, week, rules, {}, scores=scores)
    assert [b.rule.name for b in found] == ["Risk"] and found[0].value == pytest.approx(tile.value)
    assert alerts.check(run, week, rules, {}) == []  # no model, no check
    built = report.build(run, week, dt.date(2026, 11, 22), scores=scores)
    assert f'<div class="value">{weekly.fmt("money", tile.value)}</div>' in built.html
    assert "Customers to notify" in built.html
    notices = weekly.customers_to_notify(run)
    assert not notices.empty and notices.iloc[0]["order_id"] in built.html
