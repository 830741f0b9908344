"""GET /metrics/fleet on a real SQLite store behind a real aiohttp server: text format, families together,
selectors, staleness, chunks and the read-permission model."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from itops.collector.api.access import access_middlewares
from itops.collector.api.app import ApiError
from itops.collector.api.routes import fleet_metrics
from itops.collector.api.routes.fleet_metrics import (
    EXPOSITION_CONTENT_TYPE,
    add_fleet_metrics_route,
    exposition_chunks,
    family_header,
    parse_selectors,
    sample_line,
)
from itops.collector.api.user_store import UserStore
from itops.series_key import parse_series_key
from tests.unit.collector.storage.sqlite.storage_helpers import batch, opened_store

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
ADMIN_TOKEN = "itops_scrape-token"
KEYS = {
    "web-1": ['itops_host_uptime_seconds{host="web-1"}', 'itops_printer_pages_total{device="p1",host="web-1"}',
              'itops_host_memory_usage_ratio{host="web-1"}'],
    "web-2": ['itops_host_uptime_seconds{host="web-2"}', 'itops_collector_ingest_duration_seconds_bucket{le="+Inf"}',
              'itops_collector_ingest_duration_seconds_count'],
}


async def _filled(store) -> None:
    """web-1 and web-2 each write their series a minute ago; web-1's memory only 10 minutes ago (stale)."""
    for sequence, (agent, keys) in enumerate(KEYS.items(), start=1):
        ids = store.resolve_series(agent, keys, parse_series_key)
        times = [NOW_MS - 60_000] * len(keys)
        if agent == "web-1":
            times[2] = NOW_MS - 600_000
        await store.write(batch(agent, sequence, ids, times, [float(i + 1) for i in range(len(keys))]))


async def _fleet_text(tmp_path, query: str = "", require_login: bool = False, headers: dict | None = None):
    async with opened_store(tmp_path / "tsdb") as store:
        await _filled(store)
        users = UserStore.open(f"sqlite:///{tmp_path / 'users.sqlite3'}")
        app = web.Application(middlewares=access_middlewares(
            users, {hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(): "prometheus"}, require_login, lambda: NOW))
        add_fleet_metrics_route(app, store, 300, require_login, clock=lambda: NOW.timestamp())
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/metrics/fleet" + query, headers=headers or {})
            text = await response.text()
        users.close()
        return response.status, response.headers.get("Content-Type"), text


def test_the_newest_sample_of_every_fresh_series_with_its_own_labels_and_time(tmp_path):
    status, content_type, text = asyncio.run(_fleet_text(tmp_path))
    assert status == 200 and content_type == EXPOSITION_CONTENT_TYPE
    stamp = NOW_MS - 60_000
    assert f'itops_host_uptime_seconds{{agent="web-1",host="web-1"}} 1.0 {stamp}\n' in text
    assert f'itops_host_uptime_seconds{{agent="web-2",host="web-2"}} 1.0 {stamp}\n' in text
    assert f'itops_printer_pages_total{{agent="web-1",device="p1",host="web-1"}} 2.0 {stamp}\n' in text
    assert "itops_host_memory_usage_ratio" not in text  # its newest sample is 10 minutes old


def test_each_family_once_with_help_and_type_and_its_lines_together(tmp_path):
    _, _, text = asyncio.run(_fleet_text(tmp_path))
    lines = text.splitlines()
    assert lines.count("# TYPE itops_host_uptime_seconds gauge") == 1
    assert "# TYPE itops_printer_pages_total counter" in lines
    assert "# TYPE itops_collector_ingest_duration_seconds histogram" in lines
    families = [line.split()[2] for line in lines if line.startswith("# TYPE")]
    assert families == sorted(families)
    uptime = [i for i, line in enumerate(lines) if line.startswith("itops_host_uptime_seconds{")]
    assert uptime == [uptime[0], uptime[0] + 1]


@pytest.mark.parametrize(("selector", "expected"), [
    ("itops_host_uptime_seconds", {"itops_host_uptime_seconds"}),
    ('{agent="web-2"}', {"itops_host_uptime_seconds", "itops_collector_ingest_duration_seconds_bucket",
                         "itops_collector_ingest_duration_seconds_count"}),
    ('{__name__=~"itops_host_.*", host!="web-1"}', {"itops_host_uptime_seconds"}),
    ('itops_printer_pages_total{device!~"p.*"}', set()),
])
def test_match_selects_series_as_federation_does(tmp_path, selector, expected):
    status, _, text = asyncio.run(_fleet_text(tmp_path, f"?match[]={quote(selector)}"))
    assert status == 200
    assert {line.split("{")[0].split()[0] for line in text.splitlines() if not line.startswith("#")} == expected


def test_several_selectors_select_what_any_of_them_matches():
    selectors = parse_selectors(["itops_a", '{host="x"}'])
    assert [any(s.matches(name, labels) for s in selectors)
            for name, labels in (("itops_a", {}), ("itops_b", {"host": "x"}), ("itops_b", {}))] == [True, True, False]


@pytest.mark.parametrize("bad", ["rate(x[5m])", "x{", 'x{a=~"("}', "x offset 5m", "1 + 1"])
def test_what_is_no_series_selector_is_refused_with_400(bad):
    with pytest.raises(ApiError) as refused:
        parse_selectors([bad])
    assert refused.value.status == 400 and "match[]" in refused.value.text


def test_a_bad_selector_answers_400_naming_the_parameter(tmp_path):
    status, _, text = asyncio.run(_fleet_text(tmp_path, "?match[]=rate(x%5B5m%5D)"))
    assert status == 400 and "match[]: 'rate(x[5m])' is not a series selector" in text


def test_with_reads_behind_login_a_scraper_needs_a_bearer_token(tmp_path):
    assert asyncio.run(_fleet_text(tmp_path / "a", require_login=True))[0] == 401
    status, _, text = asyncio.run(_fleet_text(tmp_path / "b", require_login=True,
                                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}))
    assert status == 200 and "itops_host_uptime_seconds" in text


def test_label_values_and_help_are_escaped_and_odd_values_written_as_prometheus_does():
    assert sample_line("m", {"b": 'say "hi"\\\n', "a": "x"}, float("nan"), 5) == 'm{a="x",b="say \\"hi\\"\\\\\\n"} NaN 5\n'
    assert sample_line("m", {}, float("inf")) == "m +Inf\n"
    assert sample_line("m", {}, -float("inf")) == "m -Inf\n"
    assert family_header("itops_not_registered") == ("# HELP itops_not_registered itops_not_registered (not in the "
                                                     "itops metric registry)\n# TYPE itops_not_registered untyped\n")


def test_info_and_state_sets_are_gauges_in_the_text_format():
    assert family_header("itops_attendance_clock_info").endswith("# TYPE itops_attendance_clock_info gauge\n")
    assert family_header("itops_ups_battery_status").endswith("# TYPE itops_ups_battery_status gauge\n")


def test_the_text_comes_in_chunks_of_about_chunk_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(fleet_metrics, "CHUNK_BYTES", 200)

    async def scenario():
        async with opened_store(tmp_path) as store:
            await _filled(store)
            latest = await store.latest_samples(NOW_MS - 300_000)
            return list(exposition_chunks(store, latest))

    chunks = asyncio.run(scenario())
    assert len(chunks) > 2 and all(len(chunk) < 600 for chunk in chunks)
    assert b"".join(chunks).count(b"\n# TYPE itops_host_uptime_seconds gauge\n") == 1
