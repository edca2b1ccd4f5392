"""Suppliers page."""

from dashboard import placeholder

placeholder.page(
    "suppliers",
    "Suppliers",
    "Which suppliers make us late, by how much, since when, and what does it cost us?",
)
