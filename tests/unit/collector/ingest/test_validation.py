"""One test per rule of BatchValidator: the reason, and a message naming field, index and key."""

from __future__ import annotations

import math

import numpy as np
import pytest

from itops.collector.ingest.validation import BatchRejected, BatchValidator, ValidationLimits
from itops.v1 import ingest_pb2
from itops.common.yaml_config import load_text

NOW_MS = 1_700_000_000_000
LOAD = 'itops_host_load1{host="a"}'
DISK = 'itops_host_disk_free_bytes{device="/dev/sda1",mountpoint="/"}'


def make_validator(**limits) -> BatchValidator:
    return BatchValidator(ValidationLimits(**limits), clock=lambda: NOW_MS / 1000)


def make_batch(*samples: tuple[str, int, float], sequence: int = 1) -> ingest_pb2.Batch:
    """A batch of (key, timestamp_ms, value) samples, each distinct key listed once in order of appearance."""
    batch = ingest_pb2.Batch(sequence=sequence, created_unix_ms=NOW_MS)
    keys = list(dict.fromkeys(key for key, _, _ in samples))
    batch.samples.series.extend(keys)
    for key, timestamp_ms, value in samples:
        batch.samples.series_index.append(keys.index(key))
        batch.samples.timestamps_ms.append(timestamp_ms)
        batch.samples.values.append(value)
    return batch


def make_check(**fields) -> ingest_pb2.CheckResult:
    defaults = dict(check="tcp_connect", target="erp.example.local:443", status=ingest_pb2.CHECK_STATUS_OK,
                    duration_seconds=0.01, timestamp_ms=NOW_MS)
    return ingest_pb2.CheckResult(**{**defaults, **fields})


def rejection(batch: ingest_pb2.Batch, **limits) -> BatchRejected:
    with pytest.raises(BatchRejected) as caught:
        make_validator(**limits).validate(batch)
    return caught.value


def key_rejection(key: str, **limits) -> BatchRejected:
    return rejection(make_batch((LOAD, NOW_MS, 1.0), (key, NOW_MS, 2.0)), **limits)


def check_rejection(**fields) -> BatchRejected:
    batch = make_batch()
    batch.checks.append(make_check(**fields))
    return rejection(batch)


# --- accepted batches -------------------------------------------------------------------------------------


def test_valid_batch_comes_back_as_arrays():
    batch = make_batch((LOAD, NOW_MS - 1000, 0.5), (DISK, NOW_MS, 1e9), (LOAD, NOW_MS, 0.75))
    batch.checks.append(make_check())
    valid = make_validator().validate(batch)
    assert valid.sequence == 1
    assert valid.keys == [LOAD, DISK]
    assert valid.series_index.dtype == np.uint32 and valid.series_index.tolist() == [0, 1, 0]
    assert valid.timestamps_ms.dtype == np.int64 and valid.timestamps_ms.tolist() == [NOW_MS - 1000, NOW_MS, NOW_MS]
    assert valid.values.dtype == np.float64 and valid.values.tolist() == [0.5, 1e9, 0.75]
    assert [check.check for check in valid.checks] == ["tcp_connect"]
    assert valid.inventory is None


def test_empty_batch_is_a_valid_heartbeat():
    valid = make_validator().validate(ingest_pb2.Batch(sequence=7))
    assert valid.keys == [] and len(valid.values) == 0 and valid.checks == [] and valid.inventory is None


def test_inventory_is_passed_on():
    batch = make_batch()
    batch.inventory.cpu_model = "Xeon"
    batch.inventory.timestamp_ms = NOW_MS
    assert make_validator().validate(batch).inventory.cpu_model == "Xeon"


def test_unused_series_is_accepted():
    batch = make_batch((LOAD, NOW_MS, 1.0))
    batch.samples.series.append(DISK)
    assert make_validator().validate(batch).keys == [LOAD, DISK]


def test_non_finite_values_are_stored_under_accept_policy():
    batch = make_batch((LOAD, NOW_MS, math.nan), (DISK, NOW_MS, -math.inf))
    values = make_validator(non_finite="accept").validate(batch).values
    assert math.isnan(values[0]) and values[1] == -math.inf


def test_oldest_and_newest_timestamps_in_window_are_accepted():
    batch = make_batch((LOAD, NOW_MS - 30 * 86_400_000, 1.0), (LOAD, NOW_MS + 300_000, 2.0))
    assert len(make_validator().validate(batch).values) == 2


def test_labels_of_gives_name_and_labels_of_a_key():
    assert make_validator().labels_of(DISK) == ("itops_host_disk_free_bytes", {"device": "/dev/sda1", "mountpoint": "/"})


def test_limits_load_from_yaml_with_durations():
    limits = load_text("max_age: 7d\nmax_future_skew: 30s\nnon_finite: accept\n", ValidationLimits)
    assert (limits.max_age, limits.max_future_skew, limits.non_finite) == (7 * 86400, 30, "accept")


# --- batch and sample columns ----------------------------------------------------------------------------


def test_sequence_zero_is_rejected():
    exc = rejection(make_batch(sequence=0))
    assert exc.reason == "invalid_sequence" and "sequence is 0" in str(exc)


def test_sequence_beyond_signed_64_bits_is_rejected_and_the_largest_is_accepted():
    exc = rejection(make_batch(sequence=2**63))
    assert exc.reason == "invalid_sequence" and f"sequence {2**63} is above {2**63 - 1}" in str(exc)
    assert make_validator().validate(make_batch(sequence=2**63 - 1)).sequence == 2**63 - 1


def test_columns_of_different_length_are_rejected():
    batch = make_batch((LOAD, NOW_MS, 1.0))
    batch.samples.values.append(2.0)
    exc = rejection(batch)
    assert exc.reason == "column_length_mismatch"
    assert "series_index 1, timestamps_ms 1, values 2" in str(exc)


def test_too_many_samples_is_rejected():
    exc = rejection(make_batch((LOAD, NOW_MS, 1.0), (LOAD, NOW_MS, 2.0), (LOAD, NOW_MS, 3.0)), max_samples_per_batch=2)
    assert exc.reason == "too_many_samples" and "3 samples" in str(exc) and "at most 2" in str(exc)


def test_too_many_series_is_rejected():
    exc = rejection(make_batch((LOAD, NOW_MS, 1.0), (DISK, NOW_MS, 2.0)), max_series_per_batch=1)
    assert exc.reason == "too_many_series" and "2 series" in str(exc)


def test_duplicate_series_key_is_rejected():
    batch = make_batch((LOAD, NOW_MS, 1.0))
    batch.samples.series.append(LOAD)
    exc = rejection(batch)
    assert exc.reason == "duplicate_series_key"
    assert "samples.series[1]" in str(exc) and "samples.series[0]" in str(exc) and LOAD in str(exc)


def test_series_index_out_of_range_is_rejected():
    batch = make_batch((LOAD, NOW_MS, 1.0), (LOAD, NOW_MS, 2.0))
    batch.samples.series_index[1] = 1
    exc = rejection(batch)
    assert exc.reason == "series_index_out_of_range"
    assert "samples.series_index[1] is 1" in str(exc) and "lists 1 series" in str(exc)


def test_nan_value_is_rejected_naming_index_and_series():
    exc = rejection(make_batch((DISK, NOW_MS, 1.0), (LOAD, NOW_MS, math.nan)))
    assert exc.reason == "non_finite_value"
    assert str(exc) == f"samples.values[1] (series {LOAD}) is NaN; the collector's non_finite policy is reject"


@pytest.mark.parametrize("value, shown", [(math.inf, "+Inf"), (-math.inf, "-Inf")])
def test_infinite_value_is_rejected(value, shown):
    exc = rejection(make_batch((LOAD, NOW_MS, value)))
    assert exc.reason == "non_finite_value" and f"samples.values[0] (series {LOAD}) is {shown}" in str(exc)


def test_timestamp_too_far_in_future_is_rejected():
    exc = rejection(make_batch((LOAD, NOW_MS, 1.0), (DISK, NOW_MS + 300_001, 2.0)))
    assert exc.reason == "timestamp_out_of_window"
    assert f"samples.timestamps_ms[1] (series {DISK}) is {NOW_MS + 300_001}, after the newest" in str(exc)


def test_timestamp_older_than_max_age_is_rejected():
    exc = rejection(make_batch((LOAD, NOW_MS - 86_400_001, 1.0)), max_age=86_400)
    assert exc.reason == "timestamp_out_of_window" and "samples.timestamps_ms[0]" in str(exc) and "before the oldest" in str(exc)


@pytest.mark.parametrize("timestamp_ms", [0, -1])
def test_timestamp_not_positive_is_rejected_even_with_huge_max_age(timestamp_ms):
    exc = rejection(make_batch((LOAD, timestamp_ms, 1.0)), max_age=10 * NOW_MS)
    assert exc.reason == "timestamp_out_of_window" and "samples.timestamps_ms[0]" in str(exc)


# --- series keys and labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [
    "1load", "load-1", "", 'load{host="a",}', "load{}", 'load{host=a}', 'load {host="a"}', 'load{host="a"} ',
    'load{host="\\t"}', 'load{Host="a",host="b",1x="c"}', 'load{hé="a"}',
])
def test_malformed_series_key_is_rejected(key):
    exc = key_rejection(key)
    assert exc.reason == "invalid_series_key" and "samples.series[1]" in str(exc) and "position" in str(exc)


def test_unsorted_labels_are_rejected_naming_key():
    exc = key_rejection('load{mode="user",cpu="0"}')
    assert exc.reason == "invalid_series_key"
    assert str(exc).startswith("samples.series[1] 'load{mode=\"user\",cpu=\"0\"}' is not a canonical series key")
    assert "sorted" in str(exc)


def test_repeated_label_is_rejected():
    exc = key_rejection('load{cpu="0",cpu="1"}')
    assert exc.reason == "invalid_series_key" and "unique" in str(exc)


def test_series_key_too_long_is_rejected():
    exc = key_rejection('load{host="' + "a" * 100 + '"}', max_series_key_length=50)
    assert exc.reason == "invalid_series_key" and "samples.series[1]" in str(exc) and "the limit is 50" in str(exc)


def test_metric_name_too_long_is_rejected():
    exc = key_rejection("a" * 201)
    assert exc.reason == "invalid_series_key" and "metric name is 201 characters" in str(exc)


def test_too_many_labels_is_rejected():
    exc = key_rejection('load{a="1",b="2",c="3"}', max_labels_per_series=2)
    assert exc.reason == "too_many_labels" and "samples.series[1]" in str(exc) and "3 labels" in str(exc)


def test_agent_label_is_reserved():
    exc = key_rejection('load{agent="web1",host="a"}')
    assert exc.reason == "reserved_label" and "samples.series[1]" in str(exc) and "'agent'" in str(exc)


def test_label_name_with_double_underscore_is_rejected():
    exc = key_rejection('load{__name__="x"}')
    assert exc.reason == "invalid_label" and "samples.series[1]" in str(exc) and "'__name__'" in str(exc)


def test_label_name_too_long_is_rejected():
    exc = key_rejection('load{' + "n" * 101 + '="x"}')
    assert exc.reason == "invalid_label" and "101 characters" in str(exc)


def test_empty_label_value_is_rejected():
    exc = key_rejection('load{host=""}')
    assert exc.reason == "invalid_label" and "label 'host' has an empty value" in str(exc)


def test_label_value_too_long_is_rejected():
    exc = key_rejection('load{host="' + "a" * 1025 + '"}')
    assert exc.reason == "invalid_label" and "1025 characters" in str(exc)


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x0b", "\x7f", "\x85"])
def test_control_character_in_label_value_is_rejected(character):
    exc = key_rejection(f'load{{host="a{character}b"}}')
    assert exc.reason == "invalid_label"
    assert f"U+{ord(character):04X} at offset 1" in str(exc) and "samples.series[1]" in str(exc)
    assert character not in str(exc)


def test_newline_and_carriage_return_in_label_value_are_accepted():
    # SNMP sysDescr and printer supply descriptions often carry "\r\n"; rejecting them would drop whole batches.
    key = 'load{host="a\\nb\rc"}'
    validator = make_validator()
    assert validator.validate(make_batch((key, NOW_MS, 1.0))).keys == [key]
    assert validator.labels_of(key) == ("load", {"host": "a\nb\rc"})


def test_tab_quote_backslash_and_unicode_in_label_value_are_accepted():
    key = 'load{host="a\tb\\"c\\\\d ünï 🙂"}'
    assert make_validator().validate(make_batch((key, NOW_MS, 1.0))).keys == [key]


def test_rejected_key_is_not_remembered_and_valid_keys_are():
    validator = make_validator()
    with pytest.raises(BatchRejected):
        validator.validate(make_batch((LOAD, NOW_MS, 1.0), ('load{agent="x"}', NOW_MS, 1.0)))
    with pytest.raises(BatchRejected):
        validator.validate(make_batch(('load{agent="x"}', NOW_MS, 1.0)))
    validator.validate(make_batch((LOAD, NOW_MS, 1.0)))


def test_key_cache_is_forgotten_at_its_cap_and_keys_still_validate():
    validator = make_validator(max_cached_series_keys=2)
    for number in range(5):
        validator.validate(make_batch((f'load{{cpu="{number}"}}', NOW_MS, 1.0), (LOAD, NOW_MS, 1.0)))
    assert len(validator._valid_keys) <= 2
    with pytest.raises(BatchRejected):
        validator.validate(make_batch(("bad key", NOW_MS, 1.0)))


# --- check results ---------------------------------------------------------------------------------------


def test_too_many_checks_is_rejected():
    batch = make_batch()
    batch.checks.extend([make_check(), make_check()])
    exc = rejection(batch, max_checks_per_batch=1)
    assert exc.reason == "too_many_checks" and "2 results" in str(exc)


@pytest.mark.parametrize("fields, expected", [
    (dict(check="tcp connect"), "checks[0].check 'tcp connect'"),
    (dict(check=""), "checks[0].check ''"),
    (dict(check="c" * 201), "checks[0].check"),
    (dict(target=""), "checks[0].target must be 1 to 1024 characters long, is 0"),
    (dict(target="t" * 1025), "is 1025"),
    (dict(status=7), "checks[0].status 7 is not a CheckStatus"),
    (dict(duration_seconds=-0.5), "checks[0].duration_seconds is -0.5"),
    (dict(duration_seconds=math.nan), "checks[0].duration_seconds is nan"),
    (dict(duration_seconds=math.inf), "checks[0].duration_seconds is inf"),
    (dict(message="m" * 4097), "checks[0].message is 4097 characters long"),
])
def test_invalid_check_is_rejected(fields, expected):
    exc = check_rejection(**fields)
    assert exc.reason == "invalid_check" and expected in str(exc)


def test_check_timestamp_outside_window_is_rejected():
    exc = check_rejection(timestamp_ms=0)
    assert exc.reason == "timestamp_out_of_window" and "checks[0].timestamp_ms (check tcp_connect" in str(exc)


def test_check_agent_label_is_reserved():
    exc = check_rejection(labels=[ingest_pb2.Label(name="agent", value="x")])
    assert exc.reason == "reserved_label" and "checks[0].labels" in str(exc)


@pytest.mark.parametrize("name, value", [("bad-name", "x"), ("__x", "x"), ("site", ""), ("site", "a\x00b")])
def test_invalid_check_label_is_rejected(name, value):
    exc = check_rejection(labels=[ingest_pb2.Label(name=name, value=value)])
    assert exc.reason == "invalid_label" and "checks[0].labels" in str(exc) and repr(name) in str(exc)


def test_repeated_check_label_is_rejected():
    labels = [ingest_pb2.Label(name="site", value="a"), ingest_pb2.Label(name="site", value="b")]
    exc = check_rejection(labels=labels)
    assert exc.reason == "invalid_label" and "checks[0].labels[1]: label 'site' appears twice" in str(exc)


def test_too_many_check_labels_is_rejected():
    labels = [ingest_pb2.Label(name=f"l{number}", value="x") for number in range(33)]
    assert check_rejection(labels=labels).reason == "too_many_labels"


# --- inventory -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, limit", [("disks", "max_inventory_disks"), ("network_interfaces", "max_inventory_network_interfaces")])
def test_inventory_too_large_is_rejected(field, limit):
    batch = make_batch()
    for _ in range(3):
        getattr(batch.inventory, field).add(name="x")
    exc = rejection(batch, **{limit: 2})
    assert exc.reason == "inventory_too_large" and f"inventory.{field} holds 3 entries; the limit is 2" in str(exc)
