"""Data page: what is in the warehouse, how fresh it is, and loading your own files into it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import access, ingest
from dashboard.app import actions, cards, filters, page, settings_view, signin
from dashboard.ingest import formats, upload
from dashboard.ingest.checks import MAX_SKIPPED
from dashboard.ingest.problems import Problem
from dashboard.query import catalog, targets, warehouse
from dashboard.review import audit

NO_MAPPING = "No mapping: files are named after the tables (orders.csv, ...)"
OWN_MAPPING = "Upload a mapping file (.yaml)"
REPLACE, APPEND = "Replace the warehouse", "Append: add rows, replacing those with the same key"
FILTER_STATE = (
    "filter.seeded",
    "filter.start",
    "filter.end",
    "filter.category",
    "filter.supplier",
    "filter.channel",
)
PENDING, DONE = "upload.pending", "upload.done"
# Tables no page needs: an empty one is not worth a notice.
OPTIONAL = ("events",)


def problem_table(problems: tuple[Problem, ...]) -> None:
    frame = pd.DataFrame(
        {
            "file": [p.file for p in problems],
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "reason": [p.reason for p in problems],
        }
    )
    cards.dataframe(frame)


def rejects_download(pending: upload.Pending) -> None:
    if pending.rejects and pending.rejects.exists():
        st.download_button(
            f"Download all {pending.total:,} problems (CSV)",
            pending.rejects.read_bytes(),
            file_name="rejects.csv",
            mime="text/csv",
            icon=":material/download:",
            key="upload.rejects",
        )


def confirm() -> None:
    """A new warehouse means new dates and choices: the sidebar starts again from its as-of date."""
    pending: upload.Pending = st.session_state.pop(PENDING)
    mode = "append" if st.session_state.get("upload.mode") == APPEND else "replace"
    failed = actions.load(pending, signin.identity(), mode)
    if failed:
        st.session_state[DONE] = ("error", failed)
        return
    counts = pending.prepared.outcome.counts if pending.prepared else {}
    st.session_state[DONE] = ("success", f"Loaded {sum(counts.values()):,} rows. The app now shows them.")
    for key in FILTER_STATE:
        st.session_state.pop(key, None)
    for name in filters.Filters.__dataclass_fields__:
        st.query_params.pop(name, None)


def clear() -> None:
    upload.discard(st.session_state.pop(PENDING))


def show(pending: upload.Pending) -> None:
    if not pending.ok:
        st.error(
            f"**{pending.total:,} problems: nothing was loaded.** Fix them (or leave the bad rows out) "
            "and check again.",
            icon=":material/rule:",
        )
        problem_table(pending.problems)
        rejects_download(pending)
        st.button("Clear", on_click=clear, key="upload.clear")
        return
    assert pending.prepared is not None
    outcome = pending.prepared.outcome
    st.success(
        "**Checked: every rule passes.** Nothing has changed yet; review the rows below, then confirm.",
        icon=":material/fact_check:",
    )
    if outcome.skipped:
        st.warning(f"{outcome.skipped:,} bad rows will be left out:", icon=":material/warning:")
        problem_table(outcome.problems)
        rejects_download(pending)
    for note in outcome.notes:
        st.info(note, icon=":material/info:")
    counts = pd.DataFrame(
        {"table": list(outcome.counts), "rows after loading": list(outcome.counts.values())}
    )
    cards.dataframe(counts)
    if outcome.preview:
        st.caption(f"The first {ingest.PREVIEW_ROWS} rows of each table, as they will be stored:")
        for tab, (table, frame) in zip(st.tabs(list(outcome.preview)), outcome.preview.items(), strict=True):
            with tab:
                st.dataframe(frame, width="stretch", hide_index=True, key=f"upload.preview.{table}")
    left, right = st.columns(2)
    left.button("Confirm and load", type="primary", on_click=confirm, key="upload.confirm", width="stretch")
    right.button("Discard", on_click=clear, key="upload.discard", width="stretch")


def uploader() -> None:
    st.header("Load your own files")
    st.caption(
        f"Drop one file per table ({formats.described()}), a workbook with a sheet per table, "
        "or a .zip of them; with a mapping, your own export's columns. The README's *Loading your own "
        "data* describes mapping files. Nothing changes until you confirm."
    )
    files = st.file_uploader(
        "Files",
        type=list(formats.UPLOAD_TYPES),
        accept_multiple_files=True,
        key="upload.files",
    )
    examples = upload.examples()
    choice = st.selectbox("Mapping", [NO_MAPPING, *examples, OWN_MAPPING], key="upload.mapping")
    own = (
        st.file_uploader("Mapping file", type=["yaml", "yml"], key="upload.own")
        if choice == OWN_MAPPING
        else None
    )
    mode = st.radio("How", [REPLACE, APPEND], horizontal=True, key="upload.mode")
    skip = st.checkbox("Leave out bad rows, and list them, instead of loading nothing", key="upload.skip")
    limit = (
        st.number_input(
            "Stop above (% of any table's rows left out)",
            min_value=0.0,
            max_value=100.0,
            value=MAX_SKIPPED * 100,
            step=1.0,
            key="upload.max_skipped",
            help="Rows that refer to a left-out row go too; past this share the check stops and names the "
            "biggest cause, since the figures would rest on what is left.",
        )
        if skip
        else MAX_SKIPPED * 100
    )
    ready = bool(files) and (choice != OWN_MAPPING or own is not None)
    if st.button("Check files", type="primary", disabled=not ready, key="upload.check"):
        if PENDING in st.session_state:
            clear()
        mapping = examples.get(choice) or own
        with st.status("Checking files…", expanded=True) as status:
            bar = st.progress(0.0, text="Saving the files")
            pending = upload.check(
                files,
                mapping,
                ingest.Options(append=mode == APPEND, skip_bad_rows=skip, max_skipped=limit / 100),
                lambda share, text: bar.progress(min(share, 1.0), text=text),
                signin.identity(),
            )
            bar.progress(1.0, text="Done")
            status.update(
                label="Checked" if pending.ok else f"{pending.total:,} problems",
                state="complete" if pending.ok else "error",
                expanded=False,
            )
        st.session_state[PENDING] = pending
    pending = st.session_state.get(PENDING)
    if pending is not None:
        show(pending)


page.begin("data")
if DONE in st.session_state:
    kind, message = st.session_state.pop(DONE)
    (st.success if kind == "success" else st.error)(message)
active = filters.current()
info = cards.load(catalog.find("load_info"), active)
if info is not None and not info.empty:
    row = info.iloc[0]
    left, middle, right = st.columns(3)
    left.metric("As-of date (latest event)", f"{row['as_of']:%Y-%m-%d}")
    middle.metric("Loaded", f"{row['loaded_at']:%Y-%m-%d %H:%M}")
    right.metric("Source", str(row["source"]).rsplit("/", 1)[-1] or "-", help=str(row["source"]))
tables = cards.card(catalog.find("tables"), active)
if tables is not None and not tables.empty:
    counts = zip(tables["table_name"], tables["row_count"], strict=True)
    empty = [name for name, count in counts if not count and name not in OPTIONAL]
    if empty:
        st.info(
            "Empty: " + ", ".join(f"`{name}`" for name in empty) + ". Pages that need them say so; "
            "load them below, or with `python -m dashboard load DIR` (see the README).",
            icon=":material/dataset:",
        )
who = signin.identity()
served = warehouse.target()
if who.may(access.Action.LOAD) and served.kind == targets.FILE:
    uploader()
elif who.may(access.Action.LOAD):
    st.header("Load your own files")
    publish = " with `python -m dashboard export-parquet FOLDER --db FILE`"
    follows = "on its next rerun" if served.kind == targets.PARQUET else "after a restart"
    st.info(
        f"This app serves a published warehouse (`{served}`), which is read-only here. Load your files "
        "into a warehouse file with `python -m dashboard load DIR --db FILE`, then publish it"
        f"{publish if served.kind == targets.PARQUET else ''}; the app follows a new version {follows}.",
        icon=":material/cloud_done:",
    )
settings_view.show(who)  # admins only
if who.may(access.Action.AUDIT) and who.via != "local":
    st.header("Audit trail")
    st.caption("Every load, note and refused sign-in, newest first; nobody can edit or delete it.")
    st.dataframe(audit.recent(), width="stretch", hide_index=True, key="audit.table")
