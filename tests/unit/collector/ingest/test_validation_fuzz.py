"""Adversarial batches: validate returns a batch that keeps every invariant, or rejects with a known reason.

Any other exception fails the test, whatever the agent sends.
"""

from __future__ import annotations

import math

import numpy as np
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from itops.series_key import format_series_key
from itops.collector.ingest.validation import BatchRejected, BatchValidator, RejectReason, ValidationLimits
from itops.v1 import ingest_pb2

NOW_MS = 1_700_000_000_000
UINT32_MAX = 2**32 - 1
INT64 = dict(min_value=-(2**63), max_value=2**63 - 1)

unicode_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
label_names = st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9_]{0,8}\Z").filter(lambda name: name != "agent")
label_values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc"]), min_size=1, max_size=30)
metric_names = st.from_regex(r"\A[a-zA-Z_:][a-zA-Z0-9_:]{0,12}\Z")
valid_keys = st.builds(format_series_key, metric_names, st.dictionaries(label_names, label_values, max_size=5))
odd_keys = st.sampled_from(['m{a="1"', "m{}", 'm{b="1",a="1"}', 'm{a="\\q"}', 'm{a="\x00"}', "m" * 300, ""])
odd_label_names = label_names | st.sampled_from(["agent", "__name__", "a-b", ""])
adversarial_keys = (
    st.builds(format_series_key, metric_names | unicode_text, st.dictionaries(odd_label_names, unicode_text, max_size=5))
    | odd_keys
    | unicode_text
)
window_timestamps = st.integers(NOW_MS - 30 * 86_400_000, NOW_MS + 300_000)
adversarial_timestamps = st.integers(NOW_MS - 31 * 86_400_000, NOW_MS + 600_000) | st.integers(**INT64)
finite_values = st.floats(allow_nan=False, allow_infinity=False)
any_values = st.floats() | st.sampled_from([math.nan, math.inf, -math.inf])

limits = st.builds(
    ValidationLimits,
    max_samples_per_batch=st.integers(1, 60),
    max_series_per_batch=st.integers(1, 20),
    max_labels_per_series=st.integers(1, 8),
    max_series_key_length=st.integers(1, 400),
    max_checks_per_batch=st.integers(1, 5),
    non_finite=st.sampled_from(["reject", "accept"]),
    max_cached_series_keys=st.integers(1, 8),
)

sound_checks = st.builds(
    ingest_pb2.CheckResult,
    check=metric_names,
    target=label_values,
    status=st.sampled_from(ingest_pb2.CheckStatus.values()),
    duration_seconds=st.floats(0, 1e6),
    timestamp_ms=window_timestamps,
    labels=st.dictionaries(label_names, label_values, max_size=3).map(
        lambda labels: [ingest_pb2.Label(name=name, value=value) for name, value in labels.items()]
    ),
)
adversarial_checks = st.builds(
    ingest_pb2.CheckResult,
    check=st.sampled_from(["tcp_connect", "", "bad name"]) | unicode_text,
    target=unicode_text,
    status=st.integers(0, 5),
    message=unicode_text,
    duration_seconds=any_values,
    timestamp_ms=adversarial_timestamps,
    labels=st.lists(st.builds(ingest_pb2.Label, name=odd_label_names, value=unicode_text), max_size=4),
)


def mostly(draw, sound, adversarial):
    """Usually the sound strategy, so that batches get past the first checks; now and then the adversarial one."""
    return draw(adversarial if draw(st.integers(0, 5)) == 0 else sound)


@st.composite
def structured_batches(draw) -> ingest_pb2.Batch:
    """Each part of the batch is sound or adversarial on its own, so every later check gets reached too."""
    batch = ingest_pb2.Batch(sequence=mostly(draw, st.integers(1, 2**64 - 1), st.just(0)))
    keys = mostly(draw, st.lists(valid_keys, max_size=8, unique=True), st.lists(valid_keys | adversarial_keys, max_size=8))
    count = draw(st.integers(0, 12))
    sound_indexes = st.integers(0, max(len(keys) - 1, 0))
    batch.samples.series.extend(keys)
    batch.samples.series_index.extend(mostly(draw, column(sound_indexes, count), column(st.integers(0, UINT32_MAX), count)))
    batch.samples.timestamps_ms.extend(mostly(draw, column(window_timestamps, count), column(adversarial_timestamps, count, extra=1)))
    batch.samples.values.extend(mostly(draw, column(finite_values, count), column(any_values, count)))
    batch.checks.extend(mostly(draw, sound_checks, adversarial_checks) for _ in range(draw(st.integers(0, 2))))
    if draw(st.booleans()):
        batch.inventory.disks.extend([ingest_pb2.Disk(name="sda")] * draw(st.integers(0, 300)))
    return batch


def column(elements, count: int, extra: int = 0):
    """``count`` elements, or up to ``extra`` more to break the columns' equal length."""
    return st.lists(elements, min_size=count, max_size=count + extra)


def assert_validates_or_rejects_cleanly(validator: BatchValidator, limits: ValidationLimits, batch: ingest_pb2.Batch):
    try:
        valid = validator.validate(batch)
    except BatchRejected as exc:
        assert exc.reason in set(RejectReason) and str(exc)
        return
    count = len(valid.values)
    assert len(valid.series_index) == len(valid.timestamps_ms) == count <= limits.max_samples_per_batch
    assert valid.sequence > 0
    assert len(set(valid.keys)) == len(valid.keys) <= limits.max_series_per_batch
    if count:
        assert valid.series_index.max() < len(valid.keys)
    oldest_ms = max(1, NOW_MS - int(limits.max_age * 1000))
    assert ((valid.timestamps_ms >= oldest_ms) & (valid.timestamps_ms <= NOW_MS + limits.max_future_skew * 1000)).all()
    if limits.non_finite == "reject":
        assert np.isfinite(valid.values).all()
    for key in valid.keys:
        name, labels = validator.labels_of(key)
        assert format_series_key(name, labels) == key and "agent" not in labels and len(labels) <= limits.max_labels_per_series
    for check in valid.checks:
        assert check.status in ingest_pb2.CheckStatus.values() and math.isfinite(check.duration_seconds)
        assert "agent" not in {label.name for label in check.labels}


def outcome(validator: BatchValidator, batch: ingest_pb2.Batch) -> str:
    try:
        validator.validate(batch)
    except BatchRejected as exc:
        return str(exc)
    return "valid"


@settings(max_examples=300)
@given(limits, structured_batches())
def test_structured_adversarial_batch_is_validated_or_rejected_cleanly(limits, batch):
    validator = BatchValidator(limits, clock=lambda: NOW_MS / 1000)
    assert_validates_or_rejects_cleanly(validator, limits, batch)


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_random_bytes_batch_is_validated_or_rejected_cleanly(data):
    try:
        batch = ingest_pb2.Batch.FromString(data)
    except DecodeError:
        return
    limits = ValidationLimits()
    assert_validates_or_rejects_cleanly(BatchValidator(limits, clock=lambda: NOW_MS / 1000), limits, batch)


@settings(max_examples=100)
@given(limits, st.lists(structured_batches(), min_size=2, max_size=4))
def test_remembered_keys_do_not_change_the_verdict(limits, batches):
    warm = BatchValidator(limits, clock=lambda: NOW_MS / 1000)
    for batch in batches:
        cold = BatchValidator(limits, clock=lambda: NOW_MS / 1000)
        assert outcome(warm, batch) == outcome(cold, batch)
