"""Backorders page."""

from dashboard import placeholder

placeholder.page(
    "backorders",
    "Backorders",
    "How big is the backlog, how old, where does it sit, when will it clear, and why?",
)
