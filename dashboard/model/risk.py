"""Cancellation-risk model: fit on closed backorders, backtest, explain, score the open lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dashboard.query import catalog, runner, warehouse

if TYPE_CHECKING:  # imported where a model is fitted: reading stored scores needs no scikit-learn
    from sklearn.ensemble import HistGradientBoostingClassifier

QUERY = "risk_features"
QUERY_FILE = "cancellation_risk/risk_features.sql"
# Too little history to learn from: the page says so instead of showing a score.
MIN_TRAIN_LINES = 200
MIN_CANCELED_LINES = 20
DECILES = 10
# The backtest's default: fit on the lines closed 16 weeks before the as-of date and score those
# open then or backordered in the 8 weeks after, so nearly every scored line has an outcome.
BACKTEST_CUTOFF_WEEKS = 16
BACKTEST_HORIZON_DAYS = 56
CATEGORICAL = ("channel", "segment", "category")
# Boosting: 40 trees at a learning rate of 0.25 score the sample's backtest as 100 trees at 0.1 do
# (ROC AUC 0.902 both, Brier 0.072 and 0.071) at under half the fit time; the load fits 28 models.
BOOSTING_ITERATIONS = 40
LEARNING_RATE = 0.25
# The models of earlier weeks' ends (revenue at risk over the last 26 weeks, and the call list at
# such a To date) fit on at most this many of their training rows, thinned deterministically: 0.5
# CPU s a fit instead of 0.9 (sample backtest ROC AUC 0.898 against 0.902 on all rows). The as-of
# date's model and the backtest's fit on all the query's rows.
EARLIER_TRAIN_ROWS = 20_000
SCOPE = ("category", "supplier", "channel")

# The model's inputs, grouped into the factors an explanation names; each group lists the
# query columns it is computed from, so resetting a factor resets all of its inputs together.
FACTORS: dict[str, tuple[str, ...]] = {
    "waiting": ("days_waited",),
    "promise": ("days_to_promise",),
    "supply": (
        "eta_days",
        "po_overdue_days",
        "supply_overdue_days",
        "supplier_recent_delay_days",
        "queue_units",
        "queue_head_days",
        "free_stock",
    ),
    "channel": ("channel",),
    "segment": ("segment",),
    "value": ("value",),
    "customer": ("customer_cancellations", "customer_backorders_closed"),
    "product": ("category", "made_to_order"),
}


class NotEnoughHistory(ValueError):
    """The warehouse has too few closed backorders (or cancellations) before the cut-off to fit on."""


def _number(rows: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(rows[column], errors="coerce").astype(float).to_numpy()


def inputs(rows: pd.DataFrame) -> pd.DataFrame:
    """The model's input matrix from the query's columns (no outcome column is read here)."""
    to_promise = _number(rows, "days_to_promise")
    eta_days = _number(rows, "eta_days")
    cancellations = _number(rows, "customer_cancellations")
    frame = pd.DataFrame(
        {
            "days_waited": _number(rows, "days_waited"),
            "days_to_promise": to_promise,
            "promise_missed": (to_promise < 0).astype(float),
            "no_promise": np.isnan(to_promise).astype(float),
            "eta_days": eta_days,
            "no_eta": np.isnan(eta_days).astype(float),
            "eta_after_promise": (eta_days > to_promise).astype(float),
            "po_overdue_days": _number(rows, "po_overdue_days"),
            "supply_overdue_days": _number(rows, "supply_overdue_days"),
            "supplier_recent_delay_days": _number(rows, "supplier_recent_delay_days"),
            "queue_head_days": _number(rows, "queue_head_days"),
            "stock_covers": (_number(rows, "free_stock") >= _number(rows, "queue_units")).astype(float),
            "log_value": np.log1p(np.clip(_number(rows, "value"), 0, None)),
            "made_to_order": rows["made_to_order"].fillna(False).astype(bool).astype(float).to_numpy(),
            "customer_cancellations": cancellations,
            "customer_backorders_closed": _number(rows, "customer_backorders_closed"),
            "customer_cancel_share": np.clip(
                cancellations / np.maximum(_number(rows, "customer_backorders_closed"), 1), 0, 1
            ),
        },
        index=rows.index,
    )
    for name in CATEGORICAL:
        frame[name] = rows[name].astype(str)
    return frame


@dataclass(frozen=True)
class Model:
    """A fitted model with what it was fitted on and the typical line its explanations compare with."""

    estimator: HistGradientBoostingClassifier
    cutoff: dt.date
    levels: Mapping[str, tuple[str, ...]]
    baseline: Mapping[str, Any]
    train_rows: int
    train_lines: int
    canceled_lines: int
    train_cancel_rate: float
    # Inputs with no value at all in training (no purchase orders: no supplier delay) carry nothing
    # to learn from, and the binning of gradient boosting cannot take them: they are set to 0.
    unknown: tuple[str, ...] = ()

    def matrix(self, rows: pd.DataFrame) -> np.ndarray:
        return self.encode(inputs(rows))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """The input matrix as numbers: each categorical input as the code of its level (NaN, i.e.
        missing, for a level not seen in training), as the estimator's own ordinal encoding of
        pandas categoricals gives them, without converting strings on every fit and prediction."""
        frame = frame.copy()
        for name in self.unknown:
            frame[name] = 0.0
        for name in CATEGORICAL:
            codes = pd.Categorical(frame[name], categories=list(self.levels[name])).codes
            frame[name] = np.where(codes < 0, np.nan, codes)
        return frame.to_numpy(dtype=float)

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        if rows.empty:
            return np.zeros(0)
        with threadpool_limits(1):
            return self.estimator.predict_proba(self.matrix(rows))[:, 1]


def _baseline(train: pd.DataFrame) -> dict[str, Any]:
    """A typical waiting line: the median of each numeric input and the most common value of the
    others over the training rows; 'no ETA' or 'no promise' when that is the usual state."""
    typical: dict[str, Any] = {}
    for columns in FACTORS.values():
        for column in columns:
            values = train[column]
            numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            if not numeric:
                typical[column] = values.mode(dropna=False).iloc[0]
            elif values.isna().mean() > 0.5:
                typical[column] = np.nan
            else:
                typical[column] = float(values.median())
    return typical


def thin(train: pd.DataFrame, rows_max: int | None) -> pd.DataFrame:
    """At most about `rows_max` of the training rows, the same ones for the same rows on every run:
    kept by a hash of the line and day, not by a random draw."""
    if rows_max is None or len(train) <= rows_max:
        return train
    hashed = pd.util.hash_pandas_object(train[["order_id", "line_no", "day"]], index=False).to_numpy()
    return train[hashed % 1_000_000 < 1_000_000 * rows_max / len(train)]


def fit(train: pd.DataFrame, cutoff: dt.date, rows_max: int | None = None) -> Model:
    """Gradient boosting on the training rows (one per line and day it was open, label: canceled),
    thinned to about `rows_max` rows when given. The history check counts every line given."""
    lines = train.drop_duplicates(["order_id", "line_no"])
    canceled = int(lines["canceled"].sum())
    if len(lines) < MIN_TRAIN_LINES or canceled < MIN_CANCELED_LINES:
        raise NotEnoughHistory(
            f"the risk model needs at least {MIN_TRAIN_LINES} closed backordered lines with "
            f"{MIN_CANCELED_LINES} cancellations before {cutoff:%Y-%m-%d}; the warehouse has "
            f"{len(lines)} with {canceled}"
        )
    from sklearn.ensemble import HistGradientBoostingClassifier

    train = thin(train, rows_max)
    frame = inputs(train)
    levels = {name: tuple(sorted(frame[name].unique())) for name in CATEGORICAL}
    model = Model(
        estimator=HistGradientBoostingClassifier(
            categorical_features=[name in CATEGORICAL for name in frame.columns],
            max_iter=BOOSTING_ITERATIONS,
            learning_rate=LEARNING_RATE,
            min_samples_leaf=300,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=0,
        ),
        cutoff=cutoff,
        levels=levels,
        unknown=tuple(name for name, values in frame.items() if values.isna().all()),
        baseline=_baseline(train),
        train_rows=len(train),
        train_lines=len(lines),
        canceled_lines=canceled,
        train_cancel_rate=float(train["canceled"].mean()),
    )
    with threadpool_limits(1):
        # One thread: OpenMP threads spin badly when other processes share the CPUs.
        model.estimator.fit(model.encode(frame), train["canceled"].astype(int))
    return model


def _whole(values: pd.Series) -> pd.Series:
    return values.round().astype("Int64").astype(str)


def _describe(factor: str, rows: pd.DataFrame) -> pd.Series:
    """What each line looks like on one factor, in words."""
    if factor == "waiting":
        return "waited " + _whole(rows["days_waited"]) + " days"
    if factor == "promise":
        to_promise = pd.to_numeric(rows["days_to_promise"], errors="coerce")
        late_eta = pd.to_numeric(rows["eta_days"], errors="coerce") - to_promise
        text = "promised in " + _whole(to_promise) + " days"
        text = text.mask(late_eta > 0, "ETA " + _whole(late_eta) + " days after the promise")
        text = text.mask(to_promise < 0, "promise missed " + _whole(-to_promise) + " days ago")
        return text.mask(to_promise.isna(), "no promised date")
    if factor == "supply":
        eta_days = pd.to_numeric(rows["eta_days"], errors="coerce")
        overdue = pd.to_numeric(rows["supply_overdue_days"], errors="coerce").fillna(0)
        text = ("ETA in " + _whole(eta_days) + " days").mask(eta_days == 0, "ETA today")
        text = text.mask(overdue > 0, "supplier PO " + _whole(overdue) + " days overdue")
        return text.mask(eta_days.isna(), "no ETA: no open PO covers it")
    if factor == "channel":
        return rows["channel"].astype(str) + " channel"
    if factor == "segment":
        return rows["segment"].astype(str) + " customer"
    if factor == "value":
        return "value " + rows["value"].map("{:,.0f}".format)
    if factor == "customer":
        closed = pd.to_numeric(rows["customer_backorders_closed"], errors="coerce")
        canceled = pd.to_numeric(rows["customer_cancellations"], errors="coerce")
        text = "customer canceled " + _whole(canceled) + " of " + _whole(closed) + " earlier backorders"
        return text.mask((closed == 0) & (canceled == 0), "customer's first backorder")
    made = rows["made_to_order"].fillna(False).astype(bool)
    return rows["category"].astype(str) + np.where(made, " (made to order)", "")


def _as_read(column: str, values: pd.Series) -> np.ndarray:
    """A factor's input column as `inputs` reads it: two equal values give the same model inputs."""
    if column in CATEGORICAL:
        return values.astype(str).to_numpy(dtype=object)
    if column == "made_to_order":
        return values.fillna(False).astype(bool).to_numpy()
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()


def _typical(model: Model, rows: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """Whether each row already has the typical line's value of every one of `columns`: resetting
    them changes nothing, so the factor's effect there is exactly 0 and needs no prediction."""
    same = np.ones(len(rows), dtype=bool)
    for column in columns:
        values = _as_read(column, rows[column])
        typical = _as_read(column, pd.Series([model.baseline[column]]))[0]
        if values.dtype == float and np.isnan(typical):
            same &= np.isnan(values)
        else:
            same &= values == typical
    return same


def explain(model: Model, rows: pd.DataFrame, top: int = 3, risk: np.ndarray | None = None) -> pd.DataFrame:
    """Per line, how much each factor raises its risk: the predicted risk minus the risk with that
    factor's inputs reset to a typical line's. An approximation: factors interact, so the
    effects do not add up to the risk. Returns one column per factor (effect on the risk) plus
    the `top` factors that raise the risk most, in words with their effect in percentage points.
    `risk`: the rows' predicted risk when the caller has it already."""
    effects = pd.DataFrame(index=rows.index)
    names = list(FACTORS)
    if rows.empty:
        for factor in names:
            effects[f"effect_{factor}"] = pd.Series(dtype=float)
        for rank in range(1, top + 1):
            effects[f"factor_{rank}"] = pd.Series(dtype=str)
        return effects
    read = rows[list(dict.fromkeys(column for columns in FACTORS.values() for column in columns))]
    # One prediction over each factor's reset copy of the rows it can change (a predict call costs
    # a few milliseconds whatever its size, and the load explains the open lines of 26 weeks' ends);
    # a row already typical on a factor keeps an effect of exactly 0 without one.
    changed, variants = [], []
    for columns in FACTORS.values():
        rows_changed = np.flatnonzero(~_typical(model, read, columns))
        reset = read.iloc[rows_changed].copy()
        for column in columns:
            reset[column] = model.baseline[column]
        changed.append(rows_changed)
        variants.append(reset)
    risk = model.predict(read) if risk is None else risk
    predicted = model.predict(pd.concat(variants, ignore_index=True))
    named = np.zeros((len(rows), len(names)))
    start = 0
    for number, rows_changed in enumerate(changed):
        named[rows_changed, number] = risk[rows_changed] - predicted[start : start + len(rows_changed)]
        start += len(rows_changed)
    for number, factor in enumerate(names):
        effects[f"effect_{factor}"] = named[:, number]
    order = np.argsort(-named, axis=1, kind="stable")[:, :top]
    shown_effect = np.take_along_axis(named, order, axis=1)
    shown = shown_effect >= 0.005
    # Words only where a factor is named: describing every line on every factor costs more than the fit.
    words = np.full(order.shape, "", dtype=object)
    for number, factor in enumerate(names):
        wanted = shown & (order == number)
        lines = np.flatnonzero(wanted.any(axis=1))
        if len(lines):
            described = _describe(factor, rows.iloc[lines]).to_numpy(dtype=object)
            ranks = wanted[lines].argmax(axis=1)
            words[lines, ranks] = described
    for rank in range(top):
        effect = shown_effect[:, rank]
        points = np.char.mod("%.0f", effect * 100)
        described = np.char.add(np.char.add(words[:, rank].astype(str), " (+"), np.char.add(points, " pts)"))
        effects[f"factor_{rank + 1}"] = np.where(shown[:, rank], described, "")
    return effects


def score(model: Model, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with risk, expected loss (value x risk) and the factors that raise the risk most,
    ranked by expected loss."""
    scored = rows.copy()
    scored["risk"] = model.predict(rows)
    scored["expected_loss"] = scored["value"] * scored["risk"]
    scored = pd.concat([scored, explain(model, rows, risk=scored["risk"].to_numpy())], axis=1)
    return scored.sort_values(["expected_loss", "risk"], ascending=False, ignore_index=True)


@dataclass(frozen=True)
class Backtest:
    """How the model fitted at a cut-off did on the lines it would then have scored."""

    cutoff: dt.date
    through: dt.date
    train_lines: int
    scored_lines: int
    still_open: int
    canceled: int
    auc: float | None
    brier: float | None
    calibration_error: float | None
    calibration: pd.DataFrame = field(repr=False)
    lines: pd.DataFrame = field(repr=False)


def calibration(risk: np.ndarray, canceled: np.ndarray, bins: int = DECILES) -> pd.DataFrame:
    """Predicted against observed cancellation rate by decile of predicted risk."""
    if len(risk) == 0:
        return pd.DataFrame(columns=["decile", "lines", "predicted", "observed"])
    rank = pd.Series(risk).rank(method="first").to_numpy()
    decile = np.minimum((rank - 1) * bins // len(risk), bins - 1).astype(int) + 1
    frame = pd.DataFrame({"decile": decile, "risk": risk, "canceled": canceled.astype(float)})
    table = frame.groupby("decile").agg(
        lines=("risk", "size"), predicted=("risk", "mean"), observed=("canceled", "mean")
    )
    return table.reset_index()


def backtest_lines(model: Model, rows: pd.DataFrame) -> pd.DataFrame:
    """Each line of the window once (the query's `first_seen` rows: the lines open at the cut-off
    as of the cut-off, later backorders as of the evening of their order day), the closed ones
    with the model's risk (the open ones: NaN)."""
    lines = rows.reset_index(drop=True)
    done = (lines["outcome"] != "open").to_numpy()
    lines["risk"] = np.nan
    lines.loc[done, "risk"] = model.predict(lines[done])
    return lines


def evaluate(model: Model, rows: pd.DataFrame, through: dt.date) -> Backtest:
    """Score each line of the window once (`first_seen` rows) and compare with how it ended."""
    return summarize(backtest_lines(model, rows), model.cutoff, through, model.train_lines)


def auc(truth: np.ndarray, risk: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic (ties count half): the chance that a canceled line
    is scored above a shipped one. Equal to scikit-learn's roc_auc_score, without importing it
    on every page that shows a stored backtest."""
    ranks = pd.Series(risk).rank(method="average").to_numpy()
    positive = truth.astype(bool)
    count, other = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - count * (count + 1) / 2) / (count * other))


def summarize(lines: pd.DataFrame, cutoff: dt.date, through: dt.date, train_lines: int) -> Backtest:
    """The backtest's figures from its scored lines (risk and outcome); lines still open at the
    warehouse's as-of date have no outcome yet and are left out (counted)."""
    done = lines[lines["outcome"] != "open"].reset_index(drop=True)
    truth = done["canceled"].astype(int).to_numpy()
    risk = done["risk"].astype(float).to_numpy()
    both = 0 < truth.sum() < len(truth)
    table = calibration(risk, truth)
    return Backtest(
        cutoff=cutoff,
        through=through,
        train_lines=train_lines,
        scored_lines=len(done),
        still_open=int((lines["outcome"] == "open").sum()),
        canceled=int(truth.sum()),
        auc=auc(truth, risk) if both else None,
        brier=float(np.mean((risk - truth) ** 2)) if len(done) else None,
        calibration_error=float((table["predicted"] - table["observed"]).abs().mean()) if len(done) else None,
        calibration=table,
        lines=done,
    )


def features(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    cutoff: dt.date,
    horizon_days: int = 0,
    scope: Mapping[str, Any] | None = None,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """Rows of the features query (queries/cancellation_risk/risk_features.sql), stopped after
    `time_limit` seconds (default: the `queries:` setting that pages have)."""
    values = {**(scope or {}), "rows": rows, "cutoff": cutoff, "horizon_days": horizon_days}

    def limited(query: catalog.Query, params: Mapping[str, Any]) -> pd.DataFrame:
        return catalog.execute(con, query.text, query.file, params, time_limit)

    # The one file parsed, not the whole library: the load asks three times, a page once per date.
    query = catalog.parse(warehouse.QUERIES_DIR / QUERY_FILE, warehouse.QUERIES_DIR)
    return runner.on(con, execute=limited, queries=[query])(QUERY, values)


def closed_by(train: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """The training rows of an earlier cut-off, from those of a later one: the query thins its
    training rows at one rate for every cut-off, so they are exactly the lines closed by then."""
    return train[train["closed_date"] <= pd.Timestamp(cutoff)]


def score_open_lines(
    con: duckdb.DuckDBPyConnection, end: dt.date, scope: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Every backordered line open at the end of `end`, scored by the model fitted on the lines
    closed by then, ranked by expected loss. Computed here; the load stores the as-of date's and
    its last 26 weeks' ends'. A day before the as-of date fits as the load fits those weeks."""
    rows_max = None if end >= catalog.as_of(con) else EARLIER_TRAIN_ROWS
    fitted = fit(features(con, "train", end), end, rows_max)
    return score(fitted, features(con, "score", end, 0, scope))


def backtest(
    con: duckdb.DuckDBPyConnection,
    cutoff: dt.date,
    through: dt.date,
    scope: Mapping[str, Any] | None = None,
    train: pd.DataFrame | None = None,
) -> Backtest:
    """Fit on the lines closed on or before the cut-off; score every line open at the cut-off or
    backordered after it up to `through`, once; compare with how each ended. `train`: training rows
    of a later cut-off to take the cut-off's from, instead of querying them."""
    rows = features(con, "train", cutoff) if train is None else closed_by(train, cutoff)
    fitted = fit(rows, cutoff)
    window = features(con, "first_seen", cutoff, (through - cutoff).days, scope)
    return evaluate(fitted, window, through)


def _percent_rank(values: pd.Series) -> pd.Series:
    """SQL's percent_rank(): (rank - 1) / (rows - 1), ties sharing the lowest rank."""
    if len(values) < 2:
        return pd.Series(0.0, index=values.index)
    return (values.rank(method="min") - 1) / (len(values) - 1)


def restock_priority(ranked: pd.DataFrame, at_risk: pd.Series) -> pd.DataFrame:
    """queries/demand_signal/restock_priority.sql's rows with each SKU's revenue at risk (`at_risk`:
    its open lines' value x risk, by SKU) and re-ranked the way the query ranks by open value when
    there is no model: priority = mean of the percent ranks of waiting customers, revenue at risk
    and oldest age, so the SKUs whose customers are likeliest to walk away come first."""
    if ranked.empty:
        return ranked
    result = ranked.copy()
    result["revenue_at_risk"] = result["sku"].map(at_risk).fillna(0.0).astype(float)
    result["priority"] = (
        _percent_rank(result["waiting_customers"])
        + _percent_rank(result["revenue_at_risk"])
        + _percent_rank(result["oldest_age_days"])
    ) / 3
    return result.sort_values(
        ["priority", "open_value", "sku"], ascending=[False, False, True], ignore_index=True
    )
