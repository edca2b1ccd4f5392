"""Cancellation risk page."""

from dashboard import placeholder

placeholder.page(
    "cancellation_risk",
    "Cancellation risk",
    "Which waiting customers are about to cancel, and what revenue is at risk?",
)
