"""The gRPC receive limit holds the largest real batch with its headroom, and that batch is valid."""

from itops.collector.ingest.batch_size import RECEIVE_HEADROOM, receive_limit_bytes, worst_case_batch
from itops.collector.ingest.validation import BatchValidator, ValidationLimits


def test_receive_limit_holds_the_largest_real_batch_with_headroom():
    limits = ValidationLimits(max_samples_per_batch=20_000)
    size = worst_case_batch(limits.max_samples_per_batch, limits).ByteSize()
    assert size * RECEIVE_HEADROOM <= receive_limit_bytes(limits) < size * RECEIVE_HEADROOM + 2**20


def test_the_largest_real_batch_passes_validation():
    limits = ValidationLimits(max_samples_per_batch=2_000)
    batch = worst_case_batch(2_000, limits, now_ms=1_750_000_000_000)
    BatchValidator(limits, clock=lambda: 1_750_000_000).validate(batch)
