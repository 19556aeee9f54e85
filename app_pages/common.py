"""Helpers shared by the explorer's pages: the active 903 data, labels, cached tables, downloads.

Pages call :func:`active_903_data` to get the data the user is looking at: their own upload (from
the Data page) when there is one, otherwise the synthetic demo authority.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sufficiency import spreadsheets
from sufficiency.cache_keys import content_key
from sufficiency.data.demo import DEMO_AUTHORITY_NAME, DEMO_DESCRIPTION, load_demo
from sufficiency.errors import InputDataError
from sufficiency.stocks import monthly_stock

CACHE_TTL = "2h"
"""How long a cached table, fitted model or scenario run stays in the server's memory. Every
cache also has a ``max_entries`` bound, and is keyed by a content hash of the data it came from
(:func:`data_key`), so sessions share work on the same data and never on different data."""

UPLOADED_903_KEY = "uploaded_903"
UPLOADED_903_NAME_KEY = "uploaded_903_name"
# Recruitment and carer records uploaded on one fostering page are used by the others.
FUNNEL_RECORDS_KEY = "funnel_records"
FUNNEL_RECORDS_NAME_KEY = "funnel_records_name"
HOUSEHOLDS_KEY = "carer_households"
HOUSEHOLDS_NAME_KEY = "carer_households_name"


@dataclass(frozen=True)
class ActiveData:
    """The 903 data a page works on, with a human label."""

    data: object
    label: str
    is_demo: bool


@st.cache_resource(show_spinner="Loading the synthetic demo authority...", max_entries=1)
def load_demo_data():
    """The demo authority's clean 903 data (read once per server)."""
    return load_demo()


def active_903_data() -> ActiveData:
    """The user's uploaded 903 data if they have chosen to use it, otherwise the demo."""
    uploaded = st.session_state.get(UPLOADED_903_KEY)
    if uploaded is not None:
        name = st.session_state.get(UPLOADED_903_NAME_KEY, "your uploaded 903 data")
        return ActiveData(uploaded, name, is_demo=False)
    return ActiveData(load_demo_data(), DEMO_AUTHORITY_NAME, is_demo=True)


def demo_label() -> str:
    """One sentence saying the demo data is synthetic."""
    return f"**{DEMO_AUTHORITY_NAME}**: {DEMO_DESCRIPTION}"


def show_data_banner(active: ActiveData) -> None:
    """Say whose data the page shows; the demo is always labelled synthetic."""
    end = getattr(active.data, "extract_date", None)
    starts = (
        f" Forecasts start where the data ends, {pd.Timestamp(end):%-d %B %Y}: 'now' on these "
        "pages means that date."
        if end is not None and not pd.isna(end)
        else ""
    )
    if active.is_demo:
        st.info(demo_label() + starts, icon=":material/science:")
    else:
        st.caption(f"Showing {active.label}. Change it on the Data page.{starts}")


@st.cache_data(
    show_spinner="Counting children looked after by month...", max_entries=16, ttl=CACHE_TTL
)
def cached_monthly_stock(
    _episodes: pd.DataFrame, extract_date: pd.Timestamp, key: str
) -> pd.DataFrame:
    """Month-end stocks, cached per data set (``key`` identifies the data; episodes are not hashed)."""
    return monthly_stock(_episodes, extract_date)


@st.cache_resource(
    show_spinner="Reading the children's care histories month by month...",
    max_entries=8,
    ttl=CACHE_TTL,
)
def demand_inputs_for(_data, key: str):
    """The demand model's inputs (month-end care histories, stock, fingerprint) for this data,
    made once per data set (``key``, from :func:`data_key`) for the model of the authority and
    the Demand page alike."""
    from sufficiency.demand.pipeline import demand_inputs

    return demand_inputs(_data.episodes, _data.extract_date)


@st.cache_resource(
    show_spinner="Building the model of the authority (once per data set)...",
    max_entries=8,
    ttl=CACHE_TTL,
)
def fitted_scenario_models(
    _data, key: str, is_demo: bool, label: str, _households=None, _funnel=None, _inputs=None
):
    """The one model of the authority every page reads (``key`` identifies the data loaded).

    The demand model is loaded from models/ when it matches the data, else fitted; the
    authority's figures (in-house households and places, funnel, leaving rates, each with its
    source) come from the carer household and enquiry records when loaded. On the demo authority
    its synthetic records are used. ``_inputs()`` gives the data's demand inputs
    (:func:`demand_inputs_for`, shared with the Demand page), made only when this is built.
    """
    from sufficiency.scenario import fit_models

    if is_demo and _households is None and _funnel is None:
        return fit_models(inputs=_inputs and _inputs())
    models = fit_models(
        None if is_demo else _data,
        households=_households,
        funnel=_funnel,
        records_label="your records",
        inputs=_inputs and _inputs(),
    )
    return models if is_demo else dataclasses.replace(models, authority=label)


def authority_models(active: ActiveData | None = None):
    """(models, key): the authority's fitted models and figures from everything the user loaded.

    The demo's synthetic carer and enquiry records go with the demo 903 data only; your own
    records are used with whichever 903 data is active.
    """
    active = active or active_903_data()
    households = st.session_state.get(HOUSEHOLDS_KEY)
    funnel = st.session_state.get(FUNNEL_RECORDS_KEY)
    key = base_key = data_key(active)
    if households is not None:
        key += "|households:" + households_key(households, "uploaded")
    if funnel is not None:
        key += "|funnel:" + funnel_records_key(funnel, "uploaded")
    models = fitted_scenario_models(
        active.data,
        key,
        active.is_demo,
        active.label,
        households,
        funnel,
        lambda: demand_inputs_for(active.data, base_key),
    )
    return models, key


SCENARIO_KEY = "scenario"
"""Session-state key of the one canonical scenario every page reads; no widget owns it."""

SEED = 0
"""Seed of the simulated paths: every page runs the same paths, so headlines agree."""

EXPLORER_WIDGET_PREFIX = "sx_"
"""Session-state prefix of the Scenario explorer's widgets (initialised from the scenario)."""


def store_scenario(scenario):
    """Make ``scenario`` the canonical one; the explorer's widgets re-read it on their next run.

    A scenario still called "baseline" (or by its automatic name) once levers or targets are
    set is renamed to say what it is (:func:`sufficiency.scenario.naming.renamed`), so no page or
    export calls a plan the baseline. Returns the scenario stored.
    """
    from sufficiency.scenario.naming import renamed

    previous = st.session_state.get(SCENARIO_KEY)
    if previous is not None:
        scenario = renamed(previous, scenario)
    st.session_state[SCENARIO_KEY] = scenario
    for key in [k for k in st.session_state if str(k).startswith(EXPLORER_WIDGET_PREFIX)]:
        del st.session_state[key]
    return scenario


def current_scenario():
    """The canonical scenario: from a share link on first visit, else the session, else the
    default (200 simulated paths, the same on every page whichever opens first)."""
    from urllib.parse import urlencode

    from sufficiency.errors import SufficiencyError
    from sufficiency.scenario import Scenario
    from sufficiency.scenario.naming import renamed

    if SCENARIO_KEY not in st.session_state:
        scenario = Scenario()
        if "v" in st.query_params:
            from app_pages.link_check import explorer_problems
            from app_pages.plain import plain

            try:
                repeated = sorted(k for k in st.query_params if len(st.query_params.get_all(k)) > 1)
                if repeated:
                    raise SufficiencyError(f"it gives {', '.join(repeated)} more than once")
                scenario = Scenario.from_query_string(urlencode(st.query_params.to_dict()))
                problems = explorer_problems(scenario)
                if problems:
                    raise SufficiencyError("; ".join(problems))
                # a link without a name is named after what it changes on every page, not only
                # once the explorer has run ("baseline" on the budget page was wrong)
                scenario = renamed(Scenario(), scenario)
            except SufficiencyError as error:
                scenario = Scenario()
                st.error(
                    plain(
                        f"The link could not be opened, so the default scenario is shown: {error}"
                    ),
                    icon=":material/link_off:",
                )
        st.session_state[SCENARIO_KEY] = scenario
    return st.session_state[SCENARIO_KEY]


def refuse_unshowable(scenario, origin):
    """``scenario`` if the explorer's widgets can show it exactly (dates after ``origin``),
    otherwise the default scenario, with a message naming each value that cannot be shown."""
    from app_pages.link_check import explorer_problems
    from app_pages.plain import plain
    from sufficiency.scenario import Scenario

    problems = explorer_problems(scenario, origin)
    if not problems:
        return scenario
    st.error(
        plain(
            f"The scenario '{scenario.name}' cannot be shown here, so the default scenario is "
            "shown instead: " + "; ".join(problems) + "."
        ),
        icon=":material/error:",
    )
    store_scenario(Scenario())
    return st.session_state[SCENARIO_KEY]


def show_scenario_name(scenario, where: str = "") -> None:
    """Say which scenario the page shows (its name travels with every export too)."""
    from app_pages.plain import plain

    suffix = f" {where}" if where else ""
    st.caption(f"Scenario: **{plain(scenario.name)}**{suffix}")
    for note in scenario.migration_notes:
        st.info(plain(note), icon=":material/update:")


@st.cache_resource(show_spinner="Running the scenario...", max_entries=64, ttl=CACHE_TTL)
def scenario_result(_models, key: str, scenario_json: str, seed: int):
    """A scenario run, cached by data (``key``), scenario and seed; shared by every page."""
    from sufficiency.scenario import Scenario, run

    return run(Scenario.from_json(scenario_json), models=_models, random_state=seed)


def export_name(scenario, stem: str, suffix: str) -> str:
    """A download file name that carries the scenario's name: ``<stem>_<scenario>.<suffix>``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in scenario.name).strip("_")
    return f"{stem}_{safe or 'scenario'}.{suffix}"


try:  # what st.altair_chart does to a chart: Altair -> Vega-Lite spec, its data as Arrow
    from streamlit.elements.vega_charts import (
        _convert_altair_to_vega_lite_spec as _to_vega_lite,
    )
except ImportError:  # a Streamlit without it: charts go through st.altair_chart
    _to_vega_lite = None


class Unvalidated:
    """An Altair chart whose ``to_dict`` skips Altair's JSON-schema check: on the explorer's
    pages the check takes longer than building the chart, on every run, for charts whose code
    is fixed (the tests draw them through the checked path)."""

    def __init__(self, chart) -> None:
        self.chart = chart

    def to_dict(self, **kwargs) -> dict:
        return self.chart.to_dict(validate=False, **kwargs)


def vega_lite_spec(chart):
    """The Vega-Lite spec Streamlit would draw for an Altair ``chart`` (without the schema
    check), or the chart itself when this Streamlit cannot convert it."""
    return chart if _to_vega_lite is None else _to_vega_lite(Unvalidated(chart))


CHECK_CHARTS_ENV = "SUFFICIENCY_CHECK_CHARTS"
"""When this environment variable is set (the page tests set it), :func:`altair_chart` also runs
Altair's schema check, so a chart Vega-Lite would refuse fails a test, not a user's page."""


def altair_chart(chart, *, container=None, **kwargs) -> None:
    """``st.altair_chart(chart, **kwargs)`` without Altair's schema check (same spec), drawn in
    ``container`` (a column, say; default the page)."""
    where = st if container is None else container
    if os.environ.get(CHECK_CHARTS_ENV):
        chart.to_dict()  # raises on a spec that does not follow the Vega-Lite schema
    spec = vega_lite_spec(chart)
    if spec is chart:
        where.altair_chart(chart, **kwargs)
    else:
        where.vega_lite_chart(spec, **kwargs)


def data_key(active: ActiveData) -> str:
    """A cache key for the active data: its label and a SHA-256 of its content (every episode,
    the header, the report and the extract date), so two uploads of the same shape never share
    cached results. It contains no personal data."""
    return f"{'demo' if active.is_demo else 'upload'}|{active.label}|{content_key(active.data)}"


CHECK_EXPORTS_ENV = "SUFFICIENCY_CHECK_EXPORTS"
"""When set (the page tests set it), a download whose number columns lack a unit in the header
(or whose pounds lack a price year) raises, so the page test fails instead of a user getting it."""


def _labelled(frame: pd.DataFrame, money: str | None, units: dict[str, str] | None):
    from sufficiency.export_units import missing_units
    from sufficiency.exports import export_frame  # lazily: it imports the scenario engine

    out = export_frame(frame, money=money, units=units)
    if os.environ.get(CHECK_EXPORTS_ENV) and (missing := missing_units(out)):
        raise ValueError(f"download columns without a unit in the header: {missing}")
    return out


def csv_bytes(
    frame: pd.DataFrame, *, money: str | None = None, units: dict[str, str] | None = None
) -> bytes:
    """A frame as UTF-8 CSV bytes for st.download_button: rounded, formulas neutralised, each
    number column's unit in its header (:func:`sufficiency.exports.export_frame`; ``money`` is
    the pounds columns' unit with its price year, ``units`` those a column name does not say)."""
    return spreadsheets.csv_bytes(_labelled(frame, money, units))


def excel_bytes(
    sheets: dict[str, pd.DataFrame],
    *,
    money: str | None = None,
    units: dict[str, str] | None = None,
) -> bytes:
    """Frames as an Excel workbook (one sheet each) for st.download_button (no formulas), with
    units in the headers as :func:`csv_bytes`."""
    return spreadsheets.excel_bytes(
        {name: _labelled(frame, money, units) for name, frame in sheets.items()}
    )


@st.cache_resource(
    show_spinner="Loading the synthetic demo authority's enquiries...", max_entries=1
)
def demo_funnel_records():
    """The demo authority's synthetic enquiry and campaign spend records."""
    from sufficiency.supply.demo_records import load_demo_funnel

    return load_demo_funnel()


def active_funnel_records() -> tuple[object, str, bool]:
    """(records, label, is_demo): the user's uploaded enquiries if any, else the demo's."""
    from sufficiency.supply.demo_records import DEMO_FUNNEL_LABEL

    uploaded = st.session_state.get(FUNNEL_RECORDS_KEY)
    if uploaded is not None:
        return uploaded, st.session_state.get(FUNNEL_RECORDS_NAME_KEY, "your records"), False
    return demo_funnel_records(), DEMO_FUNNEL_LABEL, True


def funnel_records_key(records, label: str) -> str:
    """A cache key that holds no identifiers: the label and a SHA-256 of every enquiry, spend
    row, report row and the extract date."""
    return f"{label}|{content_key(records)}"


@st.cache_resource(
    show_spinner="Loading the synthetic demo authority's carer households...", max_entries=1
)
def demo_households():
    """The demo authority's synthetic carer household records."""
    from sufficiency.supply.demo_carers import load_demo_households

    return load_demo_households()


def active_households() -> tuple[object, str, bool]:
    """(households, label, is_demo): the user's uploaded households if any, else the demo's."""
    from sufficiency.supply.demo_carers import DEMO_HOUSEHOLDS_LABEL

    uploaded = st.session_state.get(HOUSEHOLDS_KEY)
    if uploaded is not None:
        return uploaded, st.session_state.get(HOUSEHOLDS_NAME_KEY, "your records"), False
    return demo_households(), DEMO_HOUSEHOLDS_LABEL, True


def households_key(data, label: str) -> str:
    """A cache key that holds no identifiers: the label and a SHA-256 of the records."""
    return f"{label}|{content_key(data)}"


FILES_TABLE_LABELS = {
    "file": "File",
    "table": "Table",
    "rows_in": "Rows read",
    "rows_kept": "Rows kept",
    "rows_rejected": "Rows rejected",
    "rows_reported": "Rows with a problem",
    "rows_superseded": "Rows replaced by a later file",
}


def decisions_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """The reader's decisions, one row per decision with the files (and row) it concerns."""
    where = decisions["file"] + decisions["row"].map(
        lambda row: "" if pd.isna(row) else f" row {int(row)}"
    )
    grouped = (
        pd.DataFrame({"where": where, "message": decisions["message"]})
        .groupby("message", sort=False)["where"]
        .agg(lambda names: ", ".join(dict.fromkeys(names)))
        .reset_index()
    )
    return pd.DataFrame(
        {"Files": grouped["where"], "What was decided": grouped["message"]}
    ).set_index("Files")


def coverage_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """The 903 reader's extracts as a readable table (no personal data)."""
    table = pd.DataFrame(
        {
            "Authority": coverage["la"],
            "Extract (collection year)": coverage["extract"],
            "Collection year starts": coverage["collection_start"]
            .dt.strftime("%d/%m/%Y")
            .fillna("unknown"),
            "Sees up to": coverage["coverage_end"].dt.strftime("%d/%m/%Y"),
            "Why that date": coverage["origin"],
            "Files": coverage["files"],
        }
    )
    return table if coverage["la"].astype(str).str.len().any() else table.drop(columns="Authority")


def read_uploads(
    label: str, key: str, read, max_bytes: int, *, folders: bool = False
) -> tuple[list, object]:
    """A file uploader whose files go through a validating reader.

    With ``folders``, a switch lets the user choose a whole folder instead (sub-folders too): each
    file is then named by its path, so folder names such as ``903_2023`` give collection years.

    Returns ``(files, checked)``: the uploaded ``(name, bytes)`` pairs and the reader's result, or
    ``(files, None)`` when nothing was uploaded or a file cannot be used at all (the reader's
    message is shown).
    """
    whole_folder = folders and st.toggle(
        "Choose a folder instead of files",
        key=f"{key}_choose_folder",
        help="Pick the folder holding your yearly extracts (for example one sub-folder per "
        "year, 903_2022, 903_2023, ...): every CSV and Excel file in it is read, and the folder "
        "names give each extract its year.",
    )
    uploads = st.file_uploader(
        label,
        type=["csv", "xlsx"],
        accept_multiple_files="directory" if whole_folder else True,
        key=f"{key}_folder" if whole_folder else key,
        help=f"Up to {max_bytes // 1_000_000} MB per file.",
    )
    files = [(upload.name, upload.getvalue()) for upload in uploads or []]
    if not files:
        return files, None
    try:
        with st.spinner("Reading and checking your files..."):
            return files, read(files)
    except InputDataError as error:
        st.error(str(error), icon=":material/error:")
        return files, None


def back_to_demo_button(*session_keys: str) -> None:
    """A button that forgets the user's uploaded data so pages show the demo authority again."""
    if st.button("Go back to the synthetic demo authority"):
        for session_key in session_keys:
            st.session_state.pop(session_key, None)
        st.rerun()


def show_validation(
    checked,
    *,
    report_file_name: str,
    use_label: str,
    session_key: str,
    name_key: str,
    name: str,
    unusable_message: str,
) -> None:
    """What a reader made of uploaded files: counts, every problem row, and a button to use them.

    ``checked`` is any reader result with ``files``, ``report``, ``notes``, ``usable`` (the 903,
    enquiry and carer household readers). Choosing to use the data stores it in session state
    under ``session_key`` (and ``name`` under ``name_key``) for every page.
    """
    files_table, report = checked.files, checked.report
    decisions = report[report["severity"] == "info"]
    report = report[report["severity"] != "info"]
    read_col, kept_col, rejected_col, warning_col = st.columns(4)
    read_col.metric("Rows read", f"{int(files_table['rows_in'].sum()):,}")
    kept_col.metric("Rows kept", f"{int(files_table['rows_kept'].sum()):,}")
    rejected_col.metric("Rows rejected", f"{int(files_table['rows_rejected'].sum()):,}")
    warning_col.metric("Warnings (rows kept)", f"{int((report['severity'] == 'warning').sum()):,}")
    st.dataframe(files_table.rename(columns=FILES_TABLE_LABELS), hide_index=True, width="stretch")
    for note in getattr(checked, "notes", []):
        st.caption(note)
    if len(decisions):
        with st.expander(f"How the files were read ({len(decisions)} decisions)"):
            st.caption(
                "What the reader decided, and why: the date order of each file, the collection "
                "year and last day of each extract, rows and sheets skipped. Nothing is wrong; "
                "check these match your files. They are in the downloadable report too."
            )
            st.table(decisions_table(decisions))
    if len(report):
        st.subheader("Validation report")
        st.caption(
            "Every problem found, with the file, row and column. Errors mean the row was left "
            "out; warnings mean it was kept. Download it, fix the rows and upload again. Rows are "
            "counted from the first row under the column headings (row 1), so in a spreadsheet "
            "whose headings are on line 1, row 1 is line 2."
        )
        st.dataframe(report, hide_index=True, width="stretch", height=280)
        st.download_button(
            "Download the validation report (CSV)",
            csv_bytes(checked.report),
            file_name=report_file_name,
            mime="text/csv",
            icon=":material/download:",
        )
    else:
        st.success("No problems found.")
        if len(checked.report):
            st.download_button(
                "Download the validation report (CSV)",
                csv_bytes(checked.report),
                file_name=report_file_name,
                mime="text/csv",
                icon=":material/download:",
            )
    if not checked.usable:
        st.error(unusable_message, icon=":material/error:")
    elif st.button(use_label, type="primary"):
        st.session_state[session_key] = checked
        st.session_state[name_key] = name
        st.rerun()


def files_phrase(files: list) -> str:
    """'1 file' or 'N files'."""
    return f"{len(files)} file{'s' if len(files) != 1 else ''}"
