"""The committed dashboards: what generate.py renders, well-formed for Grafana, their PromQL parsing, every metric and
label they use in the metric registry, the datasources they name provisioned, and the runbooks' references to them
real. Rendering in a Grafana is not tested (none can be installed here); the queries are run against real servers by
tests/integration/test_dashboards_against_servers.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import promql_parser
import pytest
import yaml

from dashboards.generate import DATASOURCE_VARIABLE, FLAVOURS, rendered_files
from itops.common.metric_catalogue import (
    COMMON_LABELS,
    HISTOGRAM_SERIES_SUFFIXES,
    catalogue,
    line_protocol_shape,
    measurement_tags,
    metric_spec,
)

ROOT = Path(__file__).resolve().parents[3]
DASHBOARDS_DIR = ROOT / "dashboards"
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"
FILES = sorted(DASHBOARDS_DIR.glob("*/*.json"))
FLAVOUR_OF = {flavour.name: flavour for flavour in FLAVOURS}
GRAFANA_PROMQL_VARIABLES = {"$__rate_interval": "1m", "$__interval": "30s", "$__range": "6h"}
INFLUXQL_FIELD = re.compile(r'(?:last|max|min|mean)\("([^"]+)"\)')


def _dashboard(path: Path) -> dict:
    return json.loads(path.read_text())


def _targets(board: dict) -> list[tuple[dict, dict]]:
    return [(panel, target) for panel in board["panels"] for target in panel["targets"]]


def _query_variables(board: dict) -> list[dict]:
    return [variable for variable in board["templating"]["list"] if variable["type"] == "query"]


def test_the_committed_dashboards_are_what_the_generator_renders():
    committed = {path.relative_to(DASHBOARDS_DIR): path.read_text() for path in FILES}
    assert committed == rendered_files(), "run `make dashboards` and commit the result"


def test_there_are_both_flavours_of_every_dashboard():
    names = {flavour: {path.name for path in FILES if path.parent.name == flavour} for flavour in FLAVOUR_OF}
    assert names["promql"] == names["influxql"] and len(names["promql"]) == 8


@pytest.mark.parametrize("path", FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_grafana_can_take_it(path):
    board = _dashboard(path)
    flavour = FLAVOUR_OF[path.parent.name]
    assert board["schemaVersion"] == 41
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    titles = [panel["title"] for panel in board["panels"]]
    assert len(titles) == len(set(titles)), "a runbook names a panel by its title"
    expected_source = {"type": flavour.datasource_type, "uid": f"${{{DATASOURCE_VARIABLE}}}"}
    for panel in board["panels"]:
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
        assert panel["datasource"] == expected_source, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == expected_source, panel["title"]
    for variable in _query_variables(board):
        assert variable["datasource"] == expected_source


@pytest.mark.parametrize("path", FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_title_is_english_and_chinese(path):
    board = _dashboard(path)
    titles = [board["title"], *(panel["title"] for panel in board["panels"]),
              *(variable["label"] for variable in board["templating"]["list"])]
    for title in titles:
        english, _, chinese = title.partition(" / ")
        assert english.isascii() and re.search(r"[\u4e00-\u9fff]", chinese), title


def _provisioned_datasources() -> dict[str, str]:
    """uid → type of every datasource deploy/grafana provisions."""
    sources = [source for path in (PROVISIONING / "datasources").glob("*.yaml")
               for source in yaml.safe_load(path.read_text())["datasources"]]
    return {source["uid"]: source["type"] for source in sources}


def test_each_flavour_selects_a_provisioned_datasource_of_its_type_by_default():
    provisioned = _provisioned_datasources()
    for path in FILES:
        chosen = next(v for v in _dashboard(path)["templating"]["list"] if v["name"] == DATASOURCE_VARIABLE)
        assert provisioned[chosen["current"]["value"]] == chosen["query"] == FLAVOUR_OF[path.parent.name].datasource_type


def test_the_dashboard_provider_makes_folders_from_the_flavours():
    provider, = yaml.safe_load((PROVISIONING / "dashboards" / "itops.yaml").read_text())["providers"]
    assert provider["type"] == "file" and provider["options"]["foldersFromFilesStructure"] is True


def with_grafana_variables(expression: str, values: dict[str, str] | None = None) -> str:
    """A panel's PromQL with Grafana's own variables and the dashboard's ($host …) filled in as Grafana would."""
    for name, value in {**GRAFANA_PROMQL_VARIABLES, **(values or {})}.items():
        expression = expression.replace(name, value)
    return re.sub(r"\$[a-z_]+", ".*", expression)


def _promql(path_filter: str = "promql") -> list[tuple[str, str]]:
    return [(f"{path.name} {panel['title']}", target["expr"]) for path in FILES if path.parent.name == path_filter
            for panel, target in _targets(_dashboard(path))]


def _promql_variable_queries() -> list[tuple[str, str]]:
    return [(f"{path.name} ${variable['name']}", variable["query"]["query"]) for path in FILES
            if path.parent.name == "promql" for variable in _query_variables(_dashboard(path))]


def _walk(node) -> list:
    """Every node of a promql_parser expression."""
    children = []
    for attribute in ("expr", "lhs", "rhs", "vector_selector", "param"):
        child = getattr(node, attribute, None)
        if isinstance(child, promql_parser.Expr):
            children.append(child)
    if isinstance(node, promql_parser.Call):
        children.extend(node.args)
    return [node, *(descendant for child in children for descendant in _walk(child))]


def _uses(expression: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The metrics and the (metric, label) pairs an expression reads; a label an aggregation groups by is paired with
    every metric of the expression."""
    nodes = _walk(promql_parser.parse(with_grafana_variables(expression)))
    selectors = [node for node in nodes if isinstance(node, promql_parser.VectorSelector)]
    metrics = {selector.name for selector in selectors}
    labels = {(selector.name, matcher.name) for selector in selectors for matcher in selector.matchers.matchers}
    grouped = {label for node in nodes if isinstance(node, promql_parser.AggregateExpr) and node.modifier
               for label in node.modifier.labels}
    return metrics, labels | {(metric, label) for metric in metrics for label in grouped}


def _registered_labels(metric: str) -> set[str]:
    base = next((metric.removesuffix(suffix) for suffix in HISTOGRAM_SERIES_SUFFIXES if metric.endswith(suffix)
                 and metric_spec(metric.removesuffix(suffix)) is not None), metric)
    spec = metric_spec(base)
    assert spec is not None, f"{metric} is not in the metric registry"
    return {*spec.labels, *COMMON_LABELS, *(("le",) if base != metric else ())}


@pytest.mark.parametrize(("where", "expression"), _promql() + _promql_variable_queries())
def test_promql_parses(where, expression):
    if expression.startswith("label_values("):
        selector, _, label = expression.removeprefix("label_values(").removesuffix(")").rpartition(", ")
        expression = f"max by ({label}) ({selector})"
    promql_parser.parse(with_grafana_variables(expression))


def test_every_metric_and_label_a_promql_dashboard_reads_is_in_the_registry():
    uses = [_uses(expression) for _, expression in _promql()]
    for variable, query in _promql_variable_queries():
        selector, _, label = query.removeprefix("label_values(").removesuffix(")").rpartition(", ")
        uses.append(_uses(f"max by ({label}) ({selector})"))
    for metrics, labels in uses:
        for metric, label in labels:
            assert label in _registered_labels(metric), f"{metric} has no label {label} in the registry"
        for metric in metrics:
            _registered_labels(metric)


def _influxql_queries() -> list[tuple[str, str]]:
    return [(f"{path.name} {panel['title']}", target["query"]) for path in FILES if path.parent.name == "influxql"
            for panel, target in _targets(_dashboard(path))]


def _influxql_variable_queries() -> list[str]:
    return [variable["query"] for path in FILES if path.parent.name == "influxql"
            for variable in _query_variables(_dashboard(path))]


REGISTERED_SHAPES = {line_protocol_shape(name + suffix) for name, spec in catalogue().metrics.items()
                     for suffix in (HISTOGRAM_SERIES_SUFFIXES if spec.type == "histogram" else ("",))}


def test_every_measurement_field_and_tag_an_influxql_dashboard_reads_is_the_registrys():
    for where, query in _influxql_queries():
        measurement = re.findall(r'FROM "([^"]+)"', query)[-1]
        fields = set(INFLUXQL_FIELD.findall(query)) - {"value"}
        assert fields, where
        for field in fields:
            assert (measurement, field) in REGISTERED_SHAPES, f"{where}: {measurement} {field}"
        tags = set(re.findall(r'"([a-z_]+)"', query)) - fields - {measurement, "value"}
        assert tags <= measurement_tags(measurement), f"{where}: {tags - measurement_tags(measurement)}"
    for query in _influxql_variable_queries():
        measurement, tag = re.match(r'SHOW TAG VALUES FROM "([^"]+)" WITH KEY = "([^"]+)"', query).groups()
        assert tag in measurement_tags(measurement), query


def test_influxql_queries_are_balanced_and_filtered_by_time():
    for where, query in _influxql_queries():
        assert query.count("(") == query.count(")") and query.count('"') % 2 == 0, where
        assert query.count("$timeFilter") == query.count("SELECT"), where


# A runbook names a dashboard and its panels by their titles: 「Host detail / 主机详情」 or "Host detail / 主机详情" on
# a line that mentions Grafana, the dashboard first.
QUOTED_TITLE = re.compile(r'[「"]([^」"]+ / [^」"]+)[」"]')


def _runbook_references() -> list[tuple[str, str, list[str]]]:
    references = []
    for path in sorted((ROOT / "runbooks").glob("*.md")):
        for line in path.read_text().splitlines():
            if "Grafana" in line:
                titles = QUOTED_TITLE.findall(line)
                assert titles, f"{path.name} mentions Grafana without naming a dashboard: {line}"
                references.append((path.name, titles[0], titles[1:]))
    return references


def test_runbooks_name_real_dashboards_and_panels():
    boards = {board["title"]: {panel["title"] for panel in board["panels"]}
              for board in map(_dashboard, FILES)}
    references = _runbook_references()
    assert {name for name, _, _ in references} >= {"HostCpuHigh.md", "HostFilesystemFullSoon.md", "HostMemoryHigh.md",
                                                   "RoomTemperatureHigh.md", "UpsOnBattery.md"}
    for runbook, dashboard, panels in references:
        assert dashboard in boards, f"{runbook}: no dashboard {dashboard!r}"
        assert set(panels) <= boards[dashboard], f"{runbook}: {set(panels) - boards[dashboard]} not in {dashboard}"
