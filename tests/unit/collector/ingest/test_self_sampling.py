"""The collector stores its own /metrics as agent itops-collector, through storage and the stored-batch listeners."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.core import GaugeMetricFamily

from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.ingest.self_sampling import (
    SELF_AGENT_ID,
    SelfSampler,
    self_samples,
)
from itops.collector.ingest.validation import (
    BatchValidator,
    ValidationLimits,
    ValidBatch,
)
from itops.common.metric_catalogue import catalogue
from itops.entities import ENTITY_OF_LABELS
from tests.unit.collector.storage.sqlite.storage_helpers import opened_store

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


class _EntityFigures:
    """Figures naming hosts and devices, as the fleet figures do."""

    def describe(self):
        return []

    def collect(self):
        hosts = GaugeMetricFamily("itops_host_up", "up", labels=["host", "agent"])
        hosts.add_metric(["pc-1", "agent-1"], 1.0)
        devices = GaugeMetricFamily("itops_device_up", "up", labels=["device", "kind"])
        devices.add_metric(["printer-1", "printer"], 0.0)
        alerts = GaugeMetricFamily("itops_alerts_firing", "firing", labels=["severity"])
        alerts.add_metric(["P1"], 2.0)
        yield from (hosts, devices, alerts)


def _registry() -> CollectorRegistry:
    metrics = CollectorMetrics(CollectorRegistry())
    metrics.samples_ingested.inc(5)
    metrics.batches_rejected.labels("overloaded").inc()
    metrics.ingest_duration.observe(0.02)
    Gauge("itops_collector_not_a_number", "nan", registry=metrics.registry).set(float("nan"))
    metrics.registry.register(_EntityFigures())
    return metrics.registry


def test_counters_as_their_total_histograms_as_buckets_sum_and_count():
    taken = {(name, tuple(sorted(labels.items()))): value for name, labels, value in self_samples(_registry())}
    assert taken[("itops_collector_samples_ingested_total", ())] == 5.0
    assert taken[("itops_collector_batches_rejected_total", (("reason", "overloaded"),))] == 1.0
    assert taken[("itops_collector_ingest_duration_seconds_count", ())] == 1.0
    assert taken[("itops_collector_ingest_duration_seconds_sum", ())] == 0.02
    assert taken[("itops_collector_ingest_duration_seconds_bucket", (("le", "0.025"),))] == 1.0
    assert taken[("itops_collector_ingest_duration_seconds_bucket", (("le", "+Inf"),))] == 1.0
    assert taken[("itops_alerts_firing", (("severity", "P1"),))] == 2.0
    assert not [name for name, _ in taken if name.endswith("_created")]


def test_figures_naming_a_host_or_device_and_values_that_are_no_number_are_left_out():
    names = {name for name, _, _ in self_samples(_registry())}
    assert "itops_host_up" not in names and "itops_device_up" not in names
    assert "itops_collector_not_a_number" not in names


def test_a_sample_is_validated_stored_as_the_collector_and_told_to_every_listener(tmp_path):
    told: list[tuple[str, ValidBatch]] = []

    def failing_listener(_agent_id, _batch):
        raise RuntimeError("one listener's failure must not keep the batch from the others")

    async def scenario():
        async with opened_store(tmp_path) as store:
            refreshed = []

            async def refresh():
                refreshed.append(True)

            sampler = SelfSampler(_registry(), BatchValidator(ValidationLimits(), clock=lambda: NOW.timestamp()),
                                  store, {"failing": failing_listener, "recording": lambda a, b: told.append((a, b))},
                                  clock=lambda: NOW, refresh_figures=refresh)
            first, second = await sampler.sample_once(), await sampler.sample_once()
            series = store.list_series("itops_collector_samples_ingested_total")
            latest = await store.latest_samples(NOW_MS - 1000)
            return first, second, refreshed, series, latest

    first, second, refreshed, series, latest = asyncio.run(scenario())
    assert first == second > 20 and len(refreshed) == 2
    assert [agent for agent, _ in told] == [SELF_AGENT_ID, SELF_AGENT_ID]
    assert told[0][1].sequence < told[1][1].sequence  # the same instant twice: still two batches
    assert isinstance(told[0][1], ValidBatch) and set(told[0][1].timestamps_ms.tolist()) == {NOW_MS}
    assert [s.labels for s in series] == [{"agent": SELF_AGENT_ID}]
    assert latest.series_ids.size == first and set(latest.timestamps_ms.tolist()) == {NOW_MS}


def test_no_collector_figure_but_device_up_has_an_entity_label_of_its_own():
    """A collector metric labelled like an entity is not stored, so InfluxDB and VictoriaMetrics would lack it (the
    SLA breaches' `sla` label had been `target`, a check's target). itops_host_up's `host` is a common label, which
    the registry does not list per metric; it is left out as the test above shows."""
    unstored = {name for name, entry in catalogue().metrics.items()
                if entry.emitted_by == "collector" and set(entry.labels) & set(ENTITY_OF_LABELS)}
    assert unstored == {"itops_device_up"}
