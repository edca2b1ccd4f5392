"""Demand signal page."""

from dashboard import placeholder

placeholder.page("demand_signal", "Demand signal", "What is unmet demand telling us to buy?")
