from itops.agent.batcher import GatherResult, PendingBatch
from itops.v1 import ingest_pb2


def _result(samples, extra=None):
    result = GatherResult(extra or {"host": "h1"}, clock=lambda: 1700000000.5)
    for name, value, labels in samples:
        result.add_sample(name, value, labels)
    return result


def test_samples_share_one_series_entry_per_key():
    pending = PendingBatch()
    pending.add(_result([("m", 1, {"a": "x"}), ("m", 2, {"a": "x"}), ("m", 3, {"a": "y"})]))
    batch = pending.seal(sequence=7, now_ms=1)
    assert list(batch.samples.series) == ['m{a="x",host="h1"}', 'm{a="y",host="h1"}']
    assert list(batch.samples.series_index) == [0, 0, 1]
    assert list(batch.samples.values) == [1.0, 2.0, 3.0]
    assert list(batch.samples.timestamps_ms) == [1700000000500] * 3
    assert batch.sequence == 7


def test_input_labels_override_agent_labels_and_keys_are_escaped():
    pending = PendingBatch()
    pending.add(_result([("m", 1, {"host": "printer-3f", "desc": 'Toner "K"\n'})]))
    assert list(pending.seal(1, 1).samples.series) == ['m{desc="Toner \\"K\\"\\n",host="printer-3f"}']


def test_seal_starts_an_empty_batch():
    pending = PendingBatch()
    pending.add(_result([("m", 1, None)]))
    pending.seal(1, 1)
    assert pending.empty and pending.sample_count == 0
    pending.add(_result([("n", 1, None)]))
    assert list(pending.seal(2, 1).samples.series) == ['n{host="h1"}']


def test_checks_get_timestamp_and_agent_labels_without_overriding_their_own():
    result = GatherResult({"host": "h1", "site": "hq"}, clock=lambda: 10.0)
    check = ingest_pb2.CheckResult(check="tcp_connect", target="db:5432", status=ingest_pb2.CHECK_STATUS_OK)
    check.labels.add(name="site", value="branch")
    result.add_check(check)
    assert check.timestamp_ms == 10_000
    assert {label.name: label.value for label in check.labels} == {"site": "branch", "host": "h1"}
    pending = PendingBatch()
    pending.add(result)
    assert not pending.empty and pending.sample_count == 0
    assert pending.seal(3, 1).checks[0].target == "db:5432"


def test_empty_label_values_are_left_out():
    pending = PendingBatch()
    pending.add(_result([("m", 1, {"colour": "", "supply": "2"})]))
    assert list(pending.seal(1, 1).samples.series) == ['m{host="h1",supply="2"}']


def test_a_series_the_collector_would_reject_is_dropped_alone_and_counted():
    pending = PendingBatch()
    pending.add(_result([("bad name", 1, None), ("m", 2, {"agent": "spoof"}), ("m", 3, {"ok": "x"}), ("bad name", 4, None)]))
    batch = pending.seal(1, 1)
    assert list(batch.samples.series) == ['m{host="h1",ok="x"}'] and list(batch.samples.values) == [3.0]
    assert pending.invalid_samples_total == 3
