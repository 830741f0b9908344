import numpy as np

from itops.alerting.rules.observations import observed_batch
from itops.collector.ingest.validation import ValidBatch
from itops.v1 import ingest_pb2


def _labels_of(key):
    name, _, rest = key.partition("{")
    labels = dict(pair.split("=") for pair in rest.rstrip("}").replace('"', "").split(",") if pair)
    return name, labels


def _batch(checks=()):
    keys = ['cpu{host="a"}', 'mem{host="a"}', 'cpu{host="b"}']
    return ValidBatch(sequence=1, keys=keys, series_index=np.array([0, 1, 2, 0, 2], dtype=np.uint32),
                      timestamps_ms=np.array([10, 10, 10, 20, 20], dtype=np.int64),
                      values=np.array([0.1, 5.0, 0.3, 0.2, 0.4]), checks=list(checks), inventory=None)


def test_only_wanted_metrics_are_grouped_per_series_with_the_agent_label():
    batch = observed_batch("a1", 99, _batch(), _labels_of, lambda name: name == "cpu", lambda name: False)
    assert [(s.name, s.labels, s.timestamps_ms, s.values) for s in batch.samples] == [
        ("cpu", {"host": "a", "agent": "a1"}, (10, 20), (0.1, 0.2)),
        ("cpu", {"host": "b", "agent": "a1"}, (10, 20), (0.3, 0.4)),
    ]
    assert batch.agent_id == "a1" and batch.received_ms == 99 and batch.checks == ()
    assert [e.key for e in batch.entities] == [("host", "a"), ("host", "b")], "every reporting host, also from unwanted metrics"


def test_entities_are_what_each_series_is_about_and_its_reporting_host():
    keys = ['itops_attendance_clock_up{clock="gate",host="vm"}', 'itops_printer_pages_total{device="p-1",host="vm"}']
    valid = ValidBatch(sequence=1, keys=keys, series_index=np.array([0, 1], dtype=np.uint32),
                       timestamps_ms=np.array([10, 10], dtype=np.int64), values=np.array([1.0, 9.0]), checks=[],
                       inventory=None)
    batch = observed_batch("a1", 1, valid, _labels_of, lambda name: False, lambda name: False)
    assert [(e.kind, e.name, e.label) for e in batch.entities] == [
        ("attendance_clock", "gate", "clock"), ("printer", "p-1", "device"), ("host", "vm", "host")]


def test_checks_become_observations_with_status_names():
    check = ingest_pb2.CheckResult(check="tcp_connect", target="db:5432", status=ingest_pb2.CHECK_STATUS_CRITICAL,
                                   message="refused", timestamp_ms=7, labels=[ingest_pb2.Label(name="host", value="a")])
    other = ingest_pb2.CheckResult(check="ping", target="gw")
    batch = observed_batch("a1", 1, _batch([check, other]), _labels_of, lambda name: False, lambda name: name == "tcp_connect")
    assert batch.samples == ()
    [observed] = batch.checks
    assert (observed.check, observed.target, observed.status, observed.message, observed.timestamp_ms, observed.labels) == (
        "tcp_connect", "db:5432", "CRITICAL", "refused", 7, {"host": "a", "agent": "a1"})
