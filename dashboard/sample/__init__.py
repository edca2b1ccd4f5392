"""Deterministic, vectorised simulator of a retail shop that plants known backorder events.

The shop runs day by day from START (Mon 2024-11-25) to END (Sun 2026-11-22): 300 SKUs
in 8 categories with Zipf-like popularity, 13 suppliers (an in-house workshop, seven
more in the US, five overseas), customers in three segments ordering over web, store
and marketplace with a weekly pattern, a Nov/Dec peak and growth. Each day: morning PO
receipts; stock handed first-in-first-out to the open backlog (a backordered line
ships the day its units are covered); the day's orders take what is left (the
shortfall is backordered); waiting customers cancel with a hazard that rises with the
wait and jumps once the promise is missed; an end-of-day snapshot of every SKU. Every
supplier gets one PO a week from an order-up-to policy on a slow demand forecast.

Planted events (dates inclusive, fixed whatever the size or seed; `PLANTED` and the code
that plants them are in planted.py):

(a) Supplier disruption: SUP03 Keystone Home Goods (US). Its PO lines promised
    2026-09-28 .. 2026-11-08 arrive 21 days later than they otherwise would; some are
    still open at END, and its SKUs lead the backlog in October.
(b) Demand spike: SKU0131, SKU0197, SKU0217 and SKU0254 (popular SKUs of four other
    US suppliers) sell 4x their usual demand 2026-10-26 .. 2026-11-15; the forecast
    reacts slowly, so most of their lines in the window are backordered.
(c) Overselling channel: from 2026-03-01 to END, 30% of the "marketplace" lines that
    stock could have served are backordered anyway (the listing sold phantom stock),
    so the end-of-day snapshot of their order date still shows enough available stock.
    They are filled first-in-first-out the next morning like any other backorder.
    Other channels are backordered only when the SKU has run out of free stock.
(d) Made-to-order: category "Custom Furniture" (15 SKUs, made_to_order = true) is made
    by SUP00 Own Workshop (US). Production is recorded as one PO a week holding a fixed
    total quantity, 80% of the category's mean weekly demand (`mto_weekly_capacity`:
    24 units at the default size) and a 14-day planned lead time. Demand outruns it, so
    the backlog grows through the Nov/Dec peaks and is largest at END.
(e) Overseas-wide event: PO lines of every overseas supplier (SUP08..SUP12: CN, CN, VN,
    IN, DE) promised 2026-04-06 .. 2026-04-19 arrive 14 days later; US suppliers are
    unaffected.

Outside the events every supplier's delays are independent draws from its own
distribution, so no other stretch of weeks stands out.

One module per part: `shop` holds the state and runs each day's steps, which live in
`demand` (customers, orders), `fulfilment` (stock to new lines and the FIFO backlog),
`cancellation` and `replenishment` (POs, production, supplier delays); `catalog` is the
fixed assortment, `span` the dates and seasonality, `planted` the events, `tables` the
output, `arrays` the shared vector helpers.
"""

from dashboard.sample.catalog import mto_weekly_capacity
from dashboard.sample.planted import PLANTED, Planted
from dashboard.sample.span import DAYS, DEFAULT_LINES, END, START
from dashboard.sample.tables import generate, write

__all__ = [
    "DAYS",
    "DEFAULT_LINES",
    "END",
    "PLANTED",
    "START",
    "Planted",
    "generate",
    "mto_weekly_capacity",
    "write",
]
