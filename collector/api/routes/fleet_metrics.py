"""GET /metrics/fleet — the newest value of every series itops holds, with its own labels (``agent`` among them),
in the Prometheus text format, for one Prometheus job with ``honor_labels: true`` to scrape the whole company.

?match[]=<selector>   only series a selector matches (repeatable, any of them), as Prometheus' /federate:
                      ``itops_host_up``, ``{__name__=~"itops_ups_.*", location="3F"}``; =, !=, =~ and !~

A series with no sample within ``stale_after`` is left out. Each sample carries its own timestamp, as /federate
writes them: Prometheus stores the agents' samples at the times they were taken (an agent's replayed backlog
included) rather than once per scrape at the scrape's time, so ``rate()`` sees each counter step once; and a
series left out ages out of queries after Prometheus' lookback (5 minutes, the default ``stale_after``). The answer
is streamed family by family in chunks of about ``CHUNK_BYTES``: what it holds at once is the newest sample and a
family code per series, not the text. docs/prometheus.md has the scrape configuration.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import promql_parser
from aiohttp import web

from itops.collector.api.access import requires
from itops.collector.api.app import ApiError
from itops.collector.api.roles import Permission
from itops.collector.storage.base import LatestSamples, StorageBackend
from itops.common.metric_catalogue import HISTOGRAM_SERIES_SUFFIXES, metric_spec

__all__ = ["CHUNK_BYTES", "EXPOSITION_CONTENT_TYPE", "FLEET_PATH", "SeriesSelector", "add_fleet_metrics_route",
           "exposition_chunks", "family_header", "parse_selectors", "sample_line"]

FLEET_PATH = "/metrics/fleet"
EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CHUNK_BYTES = 64 * 1024
MATCH_PARAMETER = "match[]"
# The text format 0.0.4 has no info or stateset type: both are gauges there, as the OpenMetrics spec maps them.
_EXPOSITION_TYPES = {"gauge": "gauge", "counter": "counter", "histogram": "histogram", "info": "gauge",
                     "stateset": "gauge"}
_ESCAPED_IN_VALUES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})
_ESCAPED_IN_HELP = str.maketrans({"\\": "\\\\", "\n": "\\n"})


@dataclass(frozen=True, slots=True)
class _Matcher:
    label: str  # __name__ for the metric name
    test: Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class SeriesSelector:
    """One ``match[]`` selector: every matcher must hold; a label a series lacks reads as ""."""

    matchers: tuple[_Matcher, ...]

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        return all(m.test(name if m.label == "__name__" else labels.get(m.label, "")) for m in self.matchers)


def parse_selectors(raw: Sequence[str]) -> list[SeriesSelector]:
    """The ``match[]`` selectors, or ApiError (400) naming the one that is no series selector."""
    return [_selector(text) for text in raw]


def _selector(text: str) -> SeriesSelector:
    try:
        parsed = promql_parser.parse(text)
    except ValueError as exc:
        raise ApiError(MATCH_PARAMETER, f"{text!r} is not a series selector: {exc}") from None
    if (not isinstance(parsed, promql_parser.VectorSelector) or parsed.matchers.or_matchers
            or parsed.offset is not None or parsed.at is not None):
        raise ApiError(MATCH_PARAMETER, f"{text!r} is not a series selector; expected a metric name and/or "
                                        '{label="value", ...} with =, !=, =~ or !~, as in Prometheus\' /federate')
    matchers = [_matcher(m.name, m.op, m.value, text) for m in parsed.matchers.matchers]
    if parsed.name:
        matchers.insert(0, _Matcher("__name__", parsed.name.__eq__))
    return SeriesSelector(tuple(matchers))


def _matcher(label: str, op: promql_parser.MatchOp, value: str, text: str) -> _Matcher:
    if op in (promql_parser.MatchOp.Re, promql_parser.MatchOp.NotRe):
        try:
            matches = re.compile(value).fullmatch  # PromQL anchors regular expressions at both ends
        except re.error as exc:
            raise ApiError(MATCH_PARAMETER, f"{text!r}: the regular expression {value!r} is invalid: {exc}") from None
        if op == promql_parser.MatchOp.NotRe:
            return _Matcher(label, lambda v: matches(v) is None)
        return _Matcher(label, lambda v: matches(v) is not None)
    return _Matcher(label, value.__ne__ if op == promql_parser.MatchOp.NotEqual else value.__eq__)


def family_of(name: str) -> str:
    """The metric family a series belongs to: a histogram's ``_bucket``, ``_sum`` and ``_count`` series are its."""
    for suffix in HISTOGRAM_SERIES_SUFFIXES:
        if name.endswith(suffix):
            spec = metric_spec(name.removesuffix(suffix))
            if spec is not None and spec.type == "histogram":
                return name.removesuffix(suffix)
    return name


def family_header(family: str) -> str:
    """``# HELP`` (the registry's English help) and ``# TYPE`` of a family; untyped when the registry lacks it."""
    spec = metric_spec(family)
    if spec is None or spec.type is None:
        return f"# HELP {family} {family} (not in the itops metric registry)\n# TYPE {family} untyped\n"
    help_text = (spec.help.en if spec.help is not None else spec.en).translate(_ESCAPED_IN_HELP)
    return f"# HELP {family} {help_text}\n# TYPE {family} {_EXPOSITION_TYPES[spec.type]}\n"


def sample_line(name: str, labels: Mapping[str, str], value: float, timestamp_ms: int | None = None) -> str:
    pairs = ",".join(f'{key}="{_escaped(labels[key])}"' for key in sorted(labels))
    stamp = "" if timestamp_ms is None else f" {timestamp_ms}"
    return f"{name}{{{pairs}}} {_number(value)}{stamp}\n" if pairs else f"{name} {_number(value)}{stamp}\n"


def _escaped(value: str) -> str:
    # Looking is cheaper than translating: most values have nothing to escape.
    return value.translate(_ESCAPED_IN_VALUES) if "\\" in value or '"' in value or "\n" in value else value


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def exposition_chunks(storage: StorageBackend, latest: LatestSamples,
                      selectors: Sequence[SeriesSelector] = ()) -> Iterator[bytes]:
    """The text of ``latest``'s series that a selector matches (all without selectors), family after family
    (the format wants a family's lines together), about CHUNK_BYTES at a time."""
    series_ids = latest.series_ids.tolist()
    codes, families = _family_codes(storage, series_ids, selectors)
    chosen = np.flatnonzero(codes >= 0)
    rank_of_code = np.argsort(np.argsort(np.array(families, dtype=object)))  # families in name order
    order = chosen[np.argsort(rank_of_code[codes[chosen]], kind="stable")] if families else chosen
    timestamps_ms, values = latest.timestamps_ms, latest.values
    pieces: list[str] = []
    size = 0
    current = -1
    for index in order.tolist():
        info = storage.series_info(series_ids[index])
        if info is None:
            continue
        if codes[index] != current:
            current = int(codes[index])
            pieces.append(family_header(families[current]))
            size += len(pieces[-1])
        pieces.append(sample_line(info.name, info.labels, float(values[index]), int(timestamps_ms[index])))
        size += len(pieces[-1])
        if size >= CHUNK_BYTES:
            yield "".join(pieces).encode()
            pieces, size = [], 0
    if pieces:
        yield "".join(pieces).encode()


def _family_codes(storage: StorageBackend, series_ids: list[int],
                  selectors: Sequence[SeriesSelector]) -> tuple[np.ndarray, list[str]]:
    """Each series' family as an index into the families found, -1 for one not shown."""
    codes = np.full(len(series_ids), -1, dtype=np.int64)
    family_index: dict[str, int] = {}
    family_of_name: dict[str, int] = {}
    for index, series_id in enumerate(series_ids):
        info = storage.series_info(series_id)
        if info is None or (selectors and not any(s.matches(info.name, info.labels) for s in selectors)):
            continue
        code = family_of_name.get(info.name)
        if code is None:
            code = family_of_name[info.name] = family_index.setdefault(family_of(info.name), len(family_index))
        codes[index] = code
    return codes, list(family_index)


def add_fleet_metrics_route(app: web.Application, storage: StorageBackend, stale_after_s: float,
                            require_login_for_reads: bool, clock: Callable[[], float] = time.time) -> None:
    """Reads need a login exactly when the API's do (``auth.require_login_for_reads``): it serves the same series
    as /api/v1/series and /api/v1/points."""

    async def fleet_metrics(request: web.Request) -> web.StreamResponse:
        selectors = parse_selectors(request.query.getall(MATCH_PARAMETER, []))
        latest = await storage.latest_samples(int((clock() - stale_after_s) * 1000))
        response = web.StreamResponse(headers={"Content-Type": EXPOSITION_CONTENT_TYPE})
        await response.prepare(request)
        chunks = exposition_chunks(storage, latest, selectors)
        # Each chunk (the first also sorts the series by family) is made on a worker thread: the event loop, which
        # also takes the agents' batches, is never held for more than a thread switch.
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            await response.write(chunk)
        await response.write_eof()
        return response

    app.router.add_get(FLEET_PATH, requires(Permission.VIEW)(fleet_metrics) if require_login_for_reads else fleet_metrics)
