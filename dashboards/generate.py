"""Writes dashboards/promql/*.json and dashboards/influxql/*.json from source.py (``make dashboards``).

``python -m dashboards.generate`` writes the files; tests/unit/dashboards/test_dashboards.py fails when the
committed ones differ from what this renders.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.builders import (
    bargauge,
    dashboard,
    prometheus,
    stat,
    statetimeline,
    table,
    timeseries,
)
from grafana_foundation_sdk.builders.common import ReduceDataOptions
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DataTransformerConfig,
    GridPos,
    ValueMap,
    ValueMappingResult,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from dashboards.queries import Query, collector_made, influxql, promql
from dashboards.source import DASHBOARDS, Dashboard, Panel, Variable
from itops.common.metric_catalogue import (
    ASSET_LABELS,
    COMMON_LABELS,
    line_protocol_shape,
    metric_entry,
    metric_spec,
)

__all__ = ["FLAVOURS", "Flavour", "dashboard_json", "main", "panel_filters", "rendered_files"]

HERE = Path(__file__).resolve().parent
DATASOURCE_VARIABLE = "datasource"
ALL_VALUE = ".*"  # matches a series without the label too, in PromQL and in InfluxQL's /^.*$/

# Grafana unit ids for the registry's units.
GRAFANA_UNITS = {"ratio": "percentunit", "humidity_ratio": "percentunit", "bytes": "bytes", "bytes_per_second": "Bps",
                 "link_speed": "Bps", "seconds": "s", "celsius": "celsius", "volts": "volt", "per_second": "cps",
                 "count": "short", "pages": "short", "number": "short", "bool": "short", "state": "short",
                 "code": "none", "info": "none", "amperes": "amp", "watts": "watt", "hertz": "hertz"}


@dataclass(frozen=True)
class Flavour:
    name: str  # the folder, and the folder Grafana shows them in
    datasource_type: str
    default_datasource: str  # the provisioned datasource's uid (deploy/grafana/provisioning/datasources)
    uid_suffix: str
    target: Callable[[Query, dict[str, str], str, bool], object]  # query, filters, refId, one of several
    variable_query: Callable[[Variable, dict[str, str]], object]


def _legend(query: Query, several: bool) -> str:
    named = " ".join(f"{{{{{label}}}}}" for label in query.by)
    return " ".join(part for part in (metric_entry(query.metric).en if several or not named else "", named) if part)


def _promql_target(query: Query, filters: dict[str, str], ref_id: str, several: bool) -> object:
    target = (prometheus.Dataquery().ref_id(ref_id).expr(promql(query, filters)).legend_format(_legend(query, several))
              .datasource(_datasource("prometheus")))
    return target.instant() if query.instant else target.range()


class _RawTarget:
    """A target the SDK has no builder for (InfluxQL): the panel takes whatever ``build`` returns."""

    def __init__(self, target: dict) -> None:
        self._target = target

    def build(self) -> dict:
        return self._target


def _influxql_target(query: Query, filters: dict[str, str], ref_id: str, several: bool) -> object:
    alias = _legend(query, several).replace("{{", "$tag_").replace("}}", "")
    return _RawTarget({"refId": ref_id, "datasource": {"type": "influxdb", "uid": f"${{{DATASOURCE_VARIABLE}}}"},
                       "rawQuery": True, "query": influxql(query, filters), "alias": alias,
                       "resultFormat": "time_series"})


def _promql_variable_query(variable: Variable, filters: dict[str, str]) -> object:
    matchers = ", ".join(f'{label}=~"${name}"' for label, name in sorted(filters.items()))
    selector = variable.metric + ("{" + matchers + "}" if matchers else "")
    return {"query": f"label_values({selector}, {variable.label})", "refId": "PrometheusVariableQueryEditor-VariableQuery",
            "qryType": 1}


def _influxql_variable_query(variable: Variable, filters: dict[str, str]) -> object:
    measurement, _ = line_protocol_shape(variable.metric)
    where = " AND ".join(f'"{label}" =~ /^${name}$/' for label, name in sorted(filters.items()))
    return f'SHOW TAG VALUES FROM "{measurement}" WITH KEY = "{variable.label}"' + (f" WHERE {where}" if where else "")


FLAVOURS = (
    Flavour("promql", "prometheus", "itops-prometheus", "", _promql_target, _promql_variable_query),
    Flavour("influxql", "influxdb", "itops-influxdb", "-influxql", _influxql_target, _influxql_variable_query),
)


def _datasource(datasource_type: str) -> DataSourceRef:
    return DataSourceRef(type_val=datasource_type, uid=f"${{{DATASOURCE_VARIABLE}}}")


def _labels_of(metric: str) -> frozenset[str]:
    """The labels a metric's series may carry: its own and the common ones (no asset labels on the collector's)."""
    spec = metric_spec(metric)
    common = set(COMMON_LABELS) - set(ASSET_LABELS) if collector_made(metric) else set(COMMON_LABELS)
    return frozenset((*(spec.labels if spec is not None else ()), *common))


def panel_filters(board: Dashboard, metric: str) -> dict[str, str]:
    """label → variable, for each of the dashboard's variables whose label the metric's series may carry."""
    labels = _labels_of(metric)
    return {variable.label: variable.name for variable in board.variables if variable.label in labels}


def _title(words: tuple[str, str]) -> str:
    return f"{words[0]} / {words[1]}"


def _panel_title(panel: Panel) -> str:
    if panel.title is not None:
        return _title(panel.title)
    entry = metric_entry(panel.queries[0].metric)
    return _title((entry.en, entry.zh_cn))


def _panel_unit(panel: Panel) -> str:
    return panel.unit or GRAFANA_UNITS[metric_entry(panel.queries[0].metric).unit]


def _value_mappings(panel: Panel) -> list[ValueMap]:
    """A 0/1 metric's words for 0 and 1 from the registry, in both languages."""
    entry = metric_entry(panel.queries[0].metric)
    if entry.unit != "bool" or not entry.values or panel.unit is not None:
        return []
    colours = {"0": "red", "1": "green"}
    return [ValueMap({value: ValueMappingResult(text=f"{words.en} / {words.zh_cn}", color=colours.get(value), index=i)
                      for i, (value, words) in enumerate(sorted(entry.values.items()))})]


def _last_value() -> object:
    return ReduceDataOptions().calcs(["lastNotNull"]).values(False)


def _panel_builder(panel: Panel) -> object:
    if panel.kind in ("timeseries", "bars"):
        builder = timeseries.Panel()
        if panel.kind == "bars":
            builder = builder.draw_style(common.GraphDrawStyle.BARS).fill_opacity(80)
        return builder
    if panel.kind == "stat":
        return stat.Panel().reduce_options(_last_value())
    if panel.kind == "bargauge":
        return (bargauge.Panel().reduce_options(_last_value()).orientation(common.VizOrientation.HORIZONTAL)
                .display_mode(common.BarGaugeDisplayMode.GRADIENT))
    if panel.kind == "table":  # one row per series, its newest value
        return table.Panel().with_transformation(DataTransformerConfig(
            id_val="reduce", options={"mode": "seriesToRows", "reducers": ["lastNotNull"]}))
    return statetimeline.Panel()


PANEL_HEIGHTS = {"stat": 4}
PROMETHEUS_ONLY = ("Prometheus only: the collector's own figure, on its /metrics; it is not stored, so VictoriaMetrics "
                   "and InfluxDB never get it. / 仅 Prometheus：收集器 /metrics 上的自身数据，不入库，"
                   "VictoriaMetrics 与 InfluxDB 中没有。")
DEFAULT_PANEL_HEIGHT = 8


def _panels(board: Dashboard, flavour: Flavour) -> list[object]:
    built, x, y, row_height = [], 0, 0, 0
    shown = [panel for panel in board.panels if panel.only_in in (None, flavour.name)]
    for panel_id, panel in enumerate(shown, start=1):
        height = PANEL_HEIGHTS.get(panel.kind, DEFAULT_PANEL_HEIGHT)
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        builder = (_panel_builder(panel).id(panel_id).title(_panel_title(panel)).unit(_panel_unit(panel))
                   .datasource(_datasource(flavour.datasource_type))
                   .grid_pos(GridPos(h=height, w=panel.width, x=x, y=y)))
        if panel.only_in:
            builder = builder.description(PROMETHEUS_ONLY)
        if mappings := _value_mappings(panel):
            builder = builder.mappings(mappings)
        if panel.interval:
            builder = builder.interval(panel.interval)
        several = len(panel.queries) > 1
        for index, query in enumerate(panel.queries):
            builder = builder.with_target(flavour.target(query, panel_filters(board, query.metric), chr(ord("A") + index),
                                                         several))
        built.append(builder)
        x, row_height = x + panel.width, max(row_height, height)
    return built


def _variables(board: Dashboard, flavour: Flavour) -> list[object]:
    chosen = (dashboard.DatasourceVariable(DATASOURCE_VARIABLE).label("Data source / 数据源").type(flavour.datasource_type)
              .regex("/^itops/").current(VariableOption(text=flavour.default_datasource, value=flavour.default_datasource,
                                                         selected=True)))
    built = [chosen]
    for position, variable in enumerate(board.variables):
        earlier = {v.label: v.name for v in board.variables[:position]}
        built.append(dashboard.QueryVariable(variable.name).label(_title(variable.title))
                     .datasource(_datasource(flavour.datasource_type))
                     .query(flavour.variable_query(variable, earlier)).refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
                     .sort(VariableSort.ALPHABETICAL_CASE_INSENSITIVE_ASC).multi(True).include_all(True)
                     .all_value(ALL_VALUE).current(VariableOption(text="All", value="$__all", selected=True)))
    return built


def dashboard_json(board: Dashboard, flavour: Flavour) -> dict:
    builder = (dashboard.Dashboard(_title(board.title)).uid(f"itops-{board.slug}{flavour.uid_suffix}")
               .tags(["itops", flavour.name]).time(board.time_from, "now").refresh("1m")
               .timezone("browser").editable())
    for variable in _variables(board, flavour):
        builder = builder.with_variable(variable)
    for panel in _panels(board, flavour):
        builder = builder.with_panel(panel)
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


def rendered_files() -> dict[Path, str]:
    """Each dashboard file's path (relative to dashboards/) and its text."""
    return {Path(flavour.name) / f"{board.slug}.json":
            json.dumps(dashboard_json(board, flavour), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            for flavour in FLAVOURS for board in DASHBOARDS}


def main() -> int:
    for path, text in rendered_files().items():
        (HERE / path).parent.mkdir(exist_ok=True)
        (HERE / path).write_text(text)
    for stale in {*HERE.glob("*/*.json")} - {HERE / path for path in rendered_files()}:
        stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
