"""Vega-Lite specs of fixed charts whose data change on every run, without rebuilding the chart.

The Scenario explorer draws the same three charts on every lever change; only their data differ.
Building an Altair chart and converting it (:func:`app_pages.common.vega_lite_spec`) takes longer
than the scenario's own arithmetic, so each chart is converted once per server process and kept as
a template: its spec with the one dataset's name as a placeholder and no data. Each run fills in
the new data as Streamlit would (Arrow bytes named by their hash), giving exactly the spec the
conversion gives (tested), so the browser sees the same chart and only replaces its data.

A template holds no data, only the chart's code, so templates are shared by every session and
upload; there is one per chart name (three).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from app_pages.common import vega_lite_spec

try:  # how st.altair_chart names and serialises a chart's data (Streamlit's own functions)
    from streamlit.dataframe_util import convert_anything_to_arrow_bytes
    from streamlit.util import calc_hash
except ImportError:  # a Streamlit without them: every spec is converted in full
    convert_anything_to_arrow_bytes = calc_hash = None

_TEMPLATES: dict[str, tuple[str, str]] = {}
"""Chart name -> (its spec as JSON without the data, the dataset name in that JSON)."""


def chart_spec(name: str, frame: pd.DataFrame, build: Callable[[pd.DataFrame], object]):
    """The spec :func:`~app_pages.common.vega_lite_spec` gives for ``build(frame)``.

    Parameters
    ----------
    name : str
        The chart's name: one template per name, so ``build`` must be the same function (a chart
        whose encoding does not depend on the data) every time the name is used.
    frame : pandas.DataFrame
        The chart's only data.
    build : callable
        Makes the Altair chart from ``frame`` (called once per process, or when a spec cannot
        be templated).

    Returns
    -------
    dict or altair chart
        A Vega-Lite spec with its data in ``datasets`` (as Streamlit's conversion gives), or the
        chart itself when this Streamlit cannot convert charts.
    """
    entry = _TEMPLATES.get(name)
    if entry is None or calc_hash is None:
        spec = vega_lite_spec(build(frame))
        datasets = spec.get("datasets") if isinstance(spec, dict) else None
        if calc_hash is not None and isinstance(datasets, dict) and len(datasets) == 1:
            (data_name,) = datasets
            skeleton = {**spec, "datasets": {data_name: None}}
            _TEMPLATES[name] = (json.dumps(skeleton), data_name)
        return spec
    template, placeholder = entry
    data = convert_anything_to_arrow_bytes(frame)
    data_name = calc_hash(data)
    spec = json.loads(template.replace(placeholder, data_name))
    spec["datasets"][data_name] = data
    return spec
