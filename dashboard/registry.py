"""Every page of the app, declared once: navigation, the catalog, the tests, the benchmarks and the
README's page table all come from PAGES or are checked against it.

A leaf module (no dashboard imports, no Streamlit) so that any layer may read it. Adding a page is
one entry here, its file under dashboard/app/pages/ and, when it has cards, a queries/<name>/ folder.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS = ("Review", "Analysis", "Data")


@dataclass(frozen=True)
class Page:
    """One page: how navigation shows it, where it lives, and what it needs to show anything.

    `name` is the page's id (file stem, benchmark key); `url_path` is its public path, "" for the
    default page served at `/`; `queries` is its folder under queries/, None when it has none;
    `needs` are the warehouse tables it cannot work without; `question` is the README's one line.
    """

    name: str
    title: str
    icon: str
    url_path: str
    section: str
    queries: str | None
    needs: tuple[str, ...]
    question: str
    default: bool = False

    @property
    def file(self) -> str:
        """The page script, relative to the project root (what st.Page and AppTest take)."""
        return f"dashboard/app/pages/{self.name}.py"


PAGES: tuple[Page, ...] = (
    Page(
        name="weekly_review",
        title="Weekly review",
        icon=":material/event_note:",
        url_path="",
        section="Review",
        queries="weekly_review",
        needs=(),  # it shows what orders or purchase orders alone can fill, and says what is missing
        default=True,
        question=(
            "one ISO week against the one before: KPI tiles with change and 12-week sparklines, where the "
            "backlog grew or shrank, the biggest cancellations, alerts, notes, and the meeting report as "
            "a download"
        ),
    ),
    Page(
        name="backorders",
        title="Backorders",
        icon=":material/pending_actions:",
        url_path="backorders",
        section="Analysis",
        queries="backorders",
        needs=("orders", "order_lines"),
        question=(
            "how big the backlog is and whether it grows (open lines, units and value by day or week "
            "beside new, shipped and canceled per week; backorder and fill rates by channel), how old "
            "(age buckets, oldest lines), where (category, supplier, channel, top SKUs with stock on hand "
            "and on order), when it clears (FIFO ETA of every open line against its promise) and why each "
            "SKU is short (one root-cause label with its evidence), with a drill-down to any SKU's order "
            "lines kept in the URL"
        ),
    ),
    Page(
        name="suppliers",
        title="Suppliers",
        icon=":material/local_shipping:",
        url_path="suppliers",
        section="Analysis",
        queries="suppliers",
        needs=("purchase_orders",),
        question=(
            "which supplier to call first and why; a sortable scorecard (on-time rate, delay, lead time "
            "and its spread, open and overdue PO lines, the backlog on each supplier's SKUs); weekly "
            "delay trends with disruptions shaded; lead-time box plots against plan; the open PO "
            "watchlist with the customers waiting on each line"
        ),
    ),
    Page(
        name="demand_signal",
        title="Demand signal",
        icon=":material/trending_up:",
        url_path="demand_signal",
        section="Analysis",
        queries="demand_signal",
        needs=("orders", "order_lines"),
        question=(
            "what unmet demand says to buy: weekly demand split into served from stock, backordered and "
            "lost; SKUs whose demand is surging past supply; canceled and estimated lost sales; a reorder "
            "list (days of supply, safety stock from the measured lead-time spread, reorder point, order "
            "quantity that clears the backlog, service level as a control) with a CSV for the buyer; and "
            "which backordered SKUs to expedite first"
        ),
    ),
    Page(
        name="cancellation_risk",
        title="Cancellation risk",
        icon=":material/person_cancel:",
        url_path="cancellation_risk",
        section="Analysis",
        queries="cancellation_risk",
        needs=("orders", "order_lines"),
        question=(
            "who is about to cancel and the revenue at risk: every open backordered line scored by a "
            "model learnt from the warehouse's own closed backorders, with the factors that raise its "
            "risk; the call list and the delay notices due as CSVs; in-stock alternatives to offer; "
            "cancellation curves by days waited; and a backtest (ROC AUC, Brier score, calibration chart) "
            "that says how far to trust the score"
        ),
    ),
    Page(
        name="outlook",
        title="Outlook",
        icon=":material/query_stats:",
        url_path="outlook",
        section="Analysis",
        queries="outlook",
        needs=("orders", "order_lines", "inventory_snapshots"),
        question=(
            "which SKUs will go on backorder in the next 1 to 8 weeks and what to do about it (the PO "
            "line to expedite and by how many days, or the quantity to order; CSV for buyers), the "
            "backlog ahead as a continuation of the Backorders chart with its uncertainty band, the "
            "stock-outs waiting on each supplier's late or soon-due lines, and a backtest (precision, "
            "recall, ROC AUC, MASE) of how often the projection was right"
        ),
    ),
    Page(
        name="query_library",
        title="Query library",
        icon=":material/database_search:",
        url_path="query_library",
        section="Data",
        queries=None,
        needs=(),
        question="every query file: its parameters, chart, table, SQL and a CSV download",
    ),
    Page(
        name="data",
        title="Data",
        icon=":material/database:",
        url_path="data",
        section="Data",
        queries="data",
        needs=(),
        question="as-of date, rows and date span of every table, last load",
    ),
)


def page(name: str) -> Page:
    """The page called `name`; a KeyError names the pages there are."""
    for candidate in PAGES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no page '{name}'; pages are {', '.join(p.name for p in PAGES)}")


def folders() -> tuple[str, ...]:
    """The query folders that belong to a page (their files become that page's cards)."""
    return tuple(p.queries for p in PAGES if p.queries)
