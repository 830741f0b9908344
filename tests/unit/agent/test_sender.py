"""The sender against a real gRPC server on 127.0.0.1 whose answers the test controls.

The server runs on the test's event loop and hands each push it receives to the test (``next_push``);
the test resumes before the sender can learn the answer, so it acts between two pushes instead of
guessing from timing, and an order asserted here holds however slow the machine is. The calls' deadline is far beyond any wait, so a loaded machine cannot
turn an answer into DEADLINE_EXCEEDED and a retry.
"""

import asyncio

import grpc
import pytest
from itops.agent.buffer import DiskBuffer
from itops.agent.identity import AgentIdentity
from itops.agent.sender import Backoff, Sender
from itops.v1 import ingest_pb2, ingest_pb2_grpc

NOW_S = 1_830_297_600.0  # 2028-01-01 00:00 UTC: the buffer stamps nothing here, but it takes a clock
CALL_TIMEOUT_S = 120.0


class ScriptedCollector(ingest_pb2_grpc.IngestServicer):
    def __init__(self):
        self.failure: grpc.StatusCode | None = None
        self.reject: set[int] = set()
        self.received: list[int] = []
        self.failed_calls = 0
        self.failures_left = 0
        self.tokens: list[str] = []
        self.hold_failure: asyncio.Event | None = None
        self.pushes: asyncio.Queue[int] = asyncio.Queue()  # every push as it arrives, failed or not
        self.reject_code = grpc.StatusCode.INVALID_ARGUMENT
        self.hellos_refused_left = 0

    async def next_push(self) -> int:
        return await self.pushes.get()

    async def Hello(self, request, context):
        if self.hellos_refused_left != 0:
            self.hellos_refused_left -= 1
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "hostname is 'host-a', the host of agent 'a0'")
        return ingest_pb2.HelloReply(server_time_unix_ms=1, max_batch_samples=1000)

    async def Push(self, request, context):
        self.tokens.append(dict(context.invocation_metadata())["authorization"])
        self.pushes.put_nowait(request.sequence)
        if self.failure is not None and self.failures_left != 0:
            self.failed_calls += 1
            self.failures_left -= 1
            if self.hold_failure is not None:
                await self.hold_failure.wait()
            await context.abort(self.failure, "scripted failure")
        if request.sequence in self.reject:
            await context.abort(self.reject_code, "samples.values[0] is NaN")
        duplicate = request.sequence in self.received
        self.received.append(request.sequence)
        return ingest_pb2.PushAck(sequence=request.sequence, duplicate=duplicate)


async def _start(servicer, options=()):
    server = grpc.aio.server(options=options)
    ingest_pb2_grpc.add_IngestServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


def _sender(port, buffer, backoff_s):
    identity = AgentIdentity("a1", "host-a", f"127.0.0.1:{port}", f"127.0.0.1:{port}", "tok", False, None, None,
                             CALL_TIMEOUT_S)
    return Sender(identity, buffer, Backoff(backoff_s, backoff_s))


def _append(buffer, sender, sequence, checks=()):
    payload = ingest_pb2.Batch(sequence=sequence, checks=checks).SerializeToString()
    buffer.append(sequence, payload, samples=1, created_ms=sequence)
    sender.notify_live(sequence)


async def _until(condition):
    """Wait for what the sender does after the server answered (pytest's timeout ends a hang)."""
    while not condition():
        await asyncio.sleep(0.01)


async def _pushes(collector, count: int) -> list[int]:
    return [await collector.next_push() for _ in range(count)]


@pytest.mark.timeout(90)
def test_after_outage_live_batch_goes_first_then_backlog_oldest_first(tmp_path):
    async def scenario():
        collector = ScriptedCollector()
        collector.failure, collector.failures_left = grpc.StatusCode.UNAVAILABLE, -1
        server, port = await _start(collector)
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(port, buffer, backoff_s=0.05)
        task = asyncio.create_task(sender.run())
        tried = []
        for sequence in range(1, 6):
            _append(buffer, sender, sequence)  # flushed while the previous batch's failed call returns
            tried.append(await collector.next_push())
        # The test runs as soon as the server took push 5, before the sender can see it fail: the
        # collector is back before the sender's next push, whatever the load.
        collector.failure = None
        _append(buffer, sender, 6)
        after_outage = await _pushes(collector, 6)
        await _until(lambda: buffer.stats().batches == 0)
        task.cancel()
        await server.stop(None)
        return tried, after_outage, collector, buffer, sender

    tried, after_outage, collector, buffer, sender = asyncio.run(scenario())
    assert tried == [1, 2, 3, 4, 5], "during the outage the newest batch is always the one tried"
    assert after_outage == [6, 1, 2, 3, 4, 5]
    assert collector.received == [6, 1, 2, 3, 4, 5]
    assert buffer.stats().batches == 0
    assert set(collector.tokens) == {"Bearer tok"}
    assert sender.collector_max_batch_samples == 1000  # from the Hello reply; the agent cuts batches there


@pytest.mark.timeout(90)
def test_batch_flushed_while_a_failing_call_is_in_flight_stays_live(tmp_path):
    async def scenario():
        collector = ScriptedCollector()
        collector.failure, collector.failures_left = grpc.StatusCode.UNAVAILABLE, 1
        collector.hold_failure = asyncio.Event()
        server, port = await _start(collector)
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(port, buffer, backoff_s=0.2)
        task = asyncio.create_task(sender.run())
        _append(buffer, sender, 1)
        assert await collector.next_push() == 1
        _append(buffer, sender, 2)  # the call for batch 1 has not failed yet
        collector.hold_failure.set()
        after_failure = await _pushes(collector, 2)
        task.cancel()
        await server.stop(None)
        return collector, after_failure

    collector, after_failure = asyncio.run(scenario())
    assert after_failure == [2, 1] and collector.received == [2, 1]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("code", [grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAUTHENTICATED])
def test_overloaded_or_unauthorised_collector_gets_backoff_and_the_batch_is_kept(tmp_path, code):
    async def scenario():
        collector = ScriptedCollector()
        collector.failure, collector.failures_left = code, 2
        server, port = await _start(collector)
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(port, buffer, backoff_s=0.3)
        task = asyncio.create_task(sender.run())
        started = asyncio.get_running_loop().time()
        _append(buffer, sender, 1)
        assert await _pushes(collector, 3) == [1, 1, 1]
        elapsed = asyncio.get_running_loop().time() - started
        await _until(lambda: sender.counters.batches_sent_total == 1)
        task.cancel()
        await server.stop(None)
        return sender, elapsed

    sender, elapsed = asyncio.run(scenario())
    assert sender.counters.send_failures_total == 2 and sender.counters.batches_sent_total == 1
    assert elapsed >= 0.3, "two failures must cost at least two backoff waits of 0.15-0.3 s"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("code", [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED])
def test_rejected_batch_is_dropped_and_the_queue_moves_on(tmp_path, caplog, code):
    async def scenario():
        collector = ScriptedCollector()
        collector.reject, collector.reject_code = {2}, code
        server, port = await _start(collector)
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(port, buffer, backoff_s=0.05)
        task = asyncio.create_task(sender.run())
        for sequence in (1, 2, 3):
            _append(buffer, sender, sequence)
        assert await _pushes(collector, 3) == [1, 2, 3]
        await _until(lambda: buffer.stats().batches == 0)
        task.cancel()
        await server.stop(None)
        return sender, collector

    sender, collector = asyncio.run(scenario())
    assert collector.received == [1, 3]
    assert sender.counters.batches_rejected_total == 1
    assert sender.counters.batches_sent_total == 2
    assert f"collector rejected batch 2 (1 samples) for good: {code.name}" in caplog.text


@pytest.mark.timeout(90)
def test_refused_hello_keeps_every_batch_buffered_and_retries_with_backoff(tmp_path, caplog):
    async def scenario():
        collector = ScriptedCollector()
        collector.hellos_refused_left = 3
        server, port = await _start(collector)
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(port, buffer, backoff_s=0.1)
        task = asyncio.create_task(sender.run())
        started = asyncio.get_running_loop().time()
        for sequence in (1, 2):
            _append(buffer, sender, sequence)
        await _until(lambda: buffer.stats().batches == 0)  # both acknowledged once a Hello is taken
        elapsed = asyncio.get_running_loop().time() - started
        task.cancel()
        await server.stop(None)
        return sender, collector, elapsed

    sender, collector, elapsed = asyncio.run(scenario())
    assert sender.counters.batches_rejected_total == 0 and sender.counters.send_failures_total == 3
    assert sorted(collector.received) == [1, 2]
    assert elapsed >= 0.15, "three refusals must cost three backoff waits of 0.05-0.1 s"
    assert "refused this agent's Hello: PERMISSION_DENIED: hostname is 'host-a', the host of agent 'a0'" in caplog.text


@pytest.mark.timeout(90)
def test_batch_over_the_receive_limit_is_dropped_not_retried_for_ever(tmp_path):
    async def scenario():
        collector = ScriptedCollector()
        server, port = await _start(collector, options=[("grpc.max_receive_message_length", 1000)])
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(port, buffer, backoff_s=0.05)
        task = asyncio.create_task(sender.run())
        _append(buffer, sender, 1)
        _append(buffer, sender, 2, checks=[ingest_pb2.CheckResult(check="c", message="m" * 2000)])
        _append(buffer, sender, 3)
        assert await _pushes(collector, 2) == [1, 3]  # gRPC refuses batch 2 before the servicer sees it
        await _until(lambda: buffer.stats().batches == 0)  # the sender took the last ack
        task.cancel()
        await server.stop(None)
        return sender

    sender = asyncio.run(scenario())
    assert sender.counters.batches_rejected_total == 1 and sender.counters.send_failures_total == 0


@pytest.mark.timeout(90)
def test_unreachable_collector_keeps_everything_buffered(tmp_path):
    async def scenario():
        buffer = DiskBuffer(str(tmp_path), 10**6, clock=lambda: NOW_S)
        sender = _sender(1, buffer, backoff_s=0.05)  # nothing listens on port 1
        task = asyncio.create_task(sender.run())
        for sequence in (1, 2):
            _append(buffer, sender, sequence)
        await _until(lambda: sender.counters.send_failures_total >= 3)
        task.cancel()
        return buffer

    buffer = asyncio.run(scenario())
    assert buffer.stats().batches == 2


def test_backoff_doubles_up_to_the_cap_and_resets():
    backoff = Backoff(1.0, 8.0)
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, ceiling in zip(delays, [1, 2, 4, 8, 8, 8]):
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next_delay() <= 1.0
