"""Malformed and adversarial batches against the real collector: clear rejection, no partial writes,
and the collector keeps serving."""

import math
import time

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itops.v1 import ingest_pb2, ingest_pb2_grpc

pytestmark = pytest.mark.integration

NOW_MS = int(time.time() * 1000)
VALID_KEY = 'itops_test_value{host="h"}'


@pytest.fixture
def stub(collector, tls_dir, agent_token):
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    channel = grpc.secure_channel(collector.grpc_address, credentials, options=[("grpc.ssl_target_name_override", "localhost")])
    ingest = ingest_pb2_grpc.IngestStub(channel)
    metadata = (("authorization", f"Bearer {agent_token}"),)

    def push(batch):
        return ingest.Push(batch, metadata=metadata, timeout=10)

    yield push
    channel.close()


def _batch(sequence, keys, index, timestamps, values):
    return ingest_pb2.Batch(sequence=sequence, samples=ingest_pb2.SampleBlock(
        series=keys, series_index=index, timestamps_ms=timestamps, values=values))


def _rejection(push, batch) -> str:
    with pytest.raises(grpc.RpcError) as error:
        push(batch)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return error.value.details()


def _series_names(collector) -> set[str]:
    return {s["name"] for s in collector.get("/api/v1/series")["series"]}


def test_rejection_names_the_offending_field(stub):
    message = _rejection(stub, _batch(1, [VALID_KEY], [0, 0], [NOW_MS, NOW_MS], [1.0, math.nan]))
    assert "samples.values[1]" in message and VALID_KEY in message
    message = _rejection(stub, _batch(2, [VALID_KEY], [3], [NOW_MS], [1.0]))
    assert "samples.series_index[0]" in message
    message = _rejection(stub, _batch(3, ['bad name{host="h"}'], [0], [NOW_MS], [1.0]))
    assert "samples.series[0]" in message


def test_rejected_batch_writes_nothing_not_even_its_valid_series(stub, collector):
    batch = _batch(5, ['itops_fresh_metric{host="h"}', 'itops_other{agent="spoofed"}'], [0, 1], [NOW_MS, NOW_MS], [1.0, 2.0])
    _rejection(stub, batch)
    assert "itops_fresh_metric" not in _series_names(collector)
    ack = stub(_batch(5, [VALID_KEY], [0], [NOW_MS], [1.0]))
    assert ack.sequence == 5 and not ack.duplicate, "a rejected sequence must not be remembered as stored"


def test_replayed_batch_is_acknowledged_as_duplicate(stub):
    batch = _batch(9, [VALID_KEY], [0], [NOW_MS], [4.0])
    assert stub(batch).duplicate is False
    assert stub(batch).duplicate is True


label_text = st.text(min_size=0, max_size=12)
adversarial_keys = st.one_of(
    st.just(VALID_KEY),
    st.text(max_size=40),
    st.builds(lambda n, k, v: f'{n}{{{k}="{v}"}}', st.text(max_size=8), label_text, label_text),
)
adversarial_batches = st.builds(
    _batch,
    st.integers(min_value=0, max_value=2**64 - 1),
    st.lists(adversarial_keys, max_size=4),
    st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=6),
    st.lists(st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.just(NOW_MS)), max_size=6),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=adversarial_batches)
def test_adversarial_batches_are_accepted_whole_or_rejected_clearly(stub, collector, batch):
    try:
        ack = stub(batch)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        assert error.details()
        return
    assert ack.sequence == batch.sequence
    assert collector.get("/api/v1/health")["status"] == "ok"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_break_the_collector(collector, tls_dir, agent_token, raw):
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
    with grpc.secure_channel(collector.grpc_address, credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        push_raw = channel.unary_unary("/itops.v1.Ingest/Push")
        try:
            push_raw(raw, metadata=(("authorization", f"Bearer {agent_token}"),), timeout=10)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert collector.get("/api/v1/health")["status"] == "ok"


def test_sequence_too_large_to_store_is_rejected_clearly(stub):
    message = _rejection(stub, _batch(2**64 - 1, [VALID_KEY], [0], [NOW_MS], [1.0]))
    assert "sequence 18446744073709551615 is above 9223372036854775807" in message
