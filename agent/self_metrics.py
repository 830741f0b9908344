"""The agent's own health, sent like any other samples (``itops_agent_…``)."""

from __future__ import annotations

from itops.agent.buffer import BufferStats
from itops.agent.inputs.base import Accumulator
from itops.agent.runner import InputHealth
from itops.agent.sender import SenderCounters

__all__ = ["gather_self_metrics"]


def gather_self_metrics(acc: Accumulator, inputs: list[InputHealth], buffer: BufferStats, sender: SenderCounters,
                        invalid_samples_total: int) -> None:
    for health in inputs:
        labels = {"input": health.name}
        acc.add_sample("itops_agent_input_up", float(health.up), labels)
        acc.add_sample("itops_agent_input_gather_duration_seconds", health.last_duration_s, labels)
        acc.add_sample("itops_agent_input_gathers_total", health.gathers_total, labels)
        acc.add_sample("itops_agent_input_errors_total", health.errors_total, labels)
        acc.add_sample("itops_agent_input_timeouts_total", health.timeouts_total, labels)
        acc.add_sample("itops_agent_input_skipped_total", health.skipped_total, labels)
    acc.add_sample("itops_agent_invalid_samples_total", invalid_samples_total)
    acc.add_sample("itops_agent_buffer_batches", buffer.batches)
    acc.add_sample("itops_agent_buffer_bytes", buffer.bytes)
    acc.add_sample("itops_agent_buffer_oldest_age_seconds", buffer.oldest_age_s)
    acc.add_sample("itops_agent_buffer_dropped_batches_total", buffer.dropped_batches_total)
    acc.add_sample("itops_agent_buffer_dropped_samples_total", buffer.dropped_samples_total)
    acc.add_sample("itops_agent_sent_batches_total", sender.batches_sent_total)
    acc.add_sample("itops_agent_sent_samples_total", sender.samples_sent_total)
    acc.add_sample("itops_agent_rejected_batches_total", sender.batches_rejected_total)
    acc.add_sample("itops_agent_send_failures_total", sender.send_failures_total)
