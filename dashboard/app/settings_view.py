"""The admin's settings view (Data page): the settings in effect, secrets hidden, and the KPI
targets, which an admin may change here.

Only admins see it; the change itself goes through actions.change_targets -> targets.save, which
checks the role again, so a crafted request from anyone else is refused on the server and recorded.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import streamlit as st
import yaml
from streamlit.auth_util import get_secrets_auth_section

from dashboard import access, settings
from dashboard.app import actions
from dashboard.present import text
from dashboard.query import limits, warehouse
from dashboard.query import targets as places
from dashboard.review import targets, weekly


def effective() -> dict[str, Any]:
    """What the app runs with: the file's sections, with the defaults of sign-in, roles, query
    limits and the warehouse in effect filled in, and every secret hidden (settings.masked)."""
    rules = access.load()
    oidc = get_secrets_auth_section()
    mode = "oidc" if oidc else "proxy header" if rules.proxy.header else "none (this computer only)"
    shown: dict[str, Any] = {"sign_in": mode, **settings.masked(settings.load())}
    if oidc:
        shown["oidc (.streamlit/secrets.toml [auth])"] = settings.masked(dict(oidc.to_dict()))
    shown["auth"] = {
        "admins": list(rules.admins),
        "editors": list(rules.editors),
        "viewers": list(rules.viewers),
        "default_role": rules.default_role.name.lower() if rules.default_role else "none",
        "session_timeout_minutes": rules.session_timeout_minutes,
        "proxy": {
            "header": rules.proxy.header,
            "name_header": rules.proxy.name_header,
            "trusted": [str(network) for network in rules.proxy.trusted],
        },
    }
    shown["queries"] = asdict(limits.load())
    served = warehouse.target()
    shown["warehouse"] = {
        "db": served.value,  # --db or $BACKORDER_DB, any token in it hidden
        "kind": served.kind,
        "motherduck_token_env": places.token_env(),
        **settings.masked(places.warehouse_settings()),
    }
    return shown


def _bound(column: Any, label: str, value: float | None, key: str) -> float | None:
    """One bound of a target; empty means none. `%g` shows 0.925 and 150000 as written."""
    return column.number_input(label, value=value, format="%g", key=key)


def _targets_form(who: access.Identity, current: dict[str, targets.Target]) -> None:
    st.subheader("KPI targets")
    st.caption(
        "Each Weekly review tile shows its target and whether the week met it. Rates as shares "
        "(0.95 = 95%); leave a box empty for no bound."
    )
    with st.form("settings.targets", border=True):
        chosen: dict[str, dict[str, float]] = {}
        for tile in (*weekly.TILES, weekly.PROJECTED_STOCKOUTS, weekly.REVENUE_AT_RISK):
            goal = current.get(tile.key)
            label, low, high = st.columns([2, 1, 1], vertical_alignment="bottom")
            label.markdown(f"**{text.plain(tile.label)}**  \n`{tile.key}`")
            at_least = _bound(
                low, "at least", goal.at_least if goal else None, f"settings.{tile.key}.at_least"
            )
            at_most = _bound(high, "at most", goal.at_most if goal else None, f"settings.{tile.key}.at_most")
            bounds = {k: float(v) for k, v in (("at_least", at_least), ("at_most", at_most)) if v is not None}
            if bounds:
                chosen[tile.key] = bounds
        if st.form_submit_button("Save targets", type="primary", icon=":material/save:"):
            problem = actions.change_targets(chosen, who)
            if problem:
                st.error(f"Not saved: {problem}", icon=":material/error:")
            else:
                st.success(f"Saved to {settings.path()}.", icon=":material/check:")


def show(who: access.Identity) -> None:
    """Nothing at all unless `who` is an admin."""
    if not who.may(access.Action.SETTINGS):
        return
    st.header("Settings")
    st.caption(f"From `{settings.path()}` (every key is described in settings.example.yaml).")
    try:
        shown = effective()
        current = targets.load(weekly.METRICS)
    except settings.SettingsError as exc:
        st.error(text.one_line(exc), icon=":material/error:")
        return
    with st.expander("Settings in effect (secrets hidden)"):
        st.code(yaml.safe_dump(shown, sort_keys=False, allow_unicode=True), language="yaml")
    _targets_form(who, current)
