"""The influxdb output's write requests against a small real HTTP server on 127.0.0.1 (aiohttp), answering as the
test scripts it: the request each API sends (path, query, authentication, gzip), what each answer is taken for,
and the writer retrying 429 and 5xx, honouring Retry-After, until the lines are written once."""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from email.utils import formatdate

import numpy as np
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.collector.outputs.influxdb.endpoint import WriteEndpoint, WriteFailed
from itops.collector.outputs.influxdb.line_protocol import BACKSLASH_ESCAPED, LineEncoder
from itops.collector.outputs.influxdb.outbox import Batch, Outbox
from itops.collector.outputs.influxdb.writer import Backoff, OutboxWriter
from itops.collector.outputs.metrics import FailureReason, OutputMetrics
from itops.series_key import parse_series_key

pytestmark = pytest.mark.integration

LINES = b"m,host=a f=1.0 1\nm,host=a f=2.0 2"


class ScriptedServer:
    """Answers each request with the next scripted (status, headers, body, delay_s), then 204; records requests."""

    def __init__(self):
        self.script: list[tuple[int, dict[str, str], str, float]] = []
        self.requests: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        # aiohttp has undone the gzip Content-Encoding already
        self.requests.append({"path": request.path, "query": dict(request.query), "headers": dict(request.headers),
                              "lines": body, "at": time.monotonic()})
        status, headers, text, delay_s = self.script.pop(0) if self.script else (204, {}, "", 0)
        await asyncio.sleep(delay_s)
        return web.Response(status=status, headers=headers, text=text or None)

    def start(self) -> ScriptedServer:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        runner = web.AppRunner(app)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._runner = runner
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server():
    running = ScriptedServer().start()
    yield running
    running.stop()


def config(url: str, tmp_path, **options) -> InfluxDBConfig:
    return InfluxDBConfig(url=url, outbox=str(tmp_path), **options)


def test_v2_posts_gzipped_lines_to_api_v2_write_with_the_token(server, tmp_path):
    endpoint = WriteEndpoint(config(server.url, tmp_path, org="it", bucket="metrics", token="s3cret"), time.time)
    endpoint.write(LINES)
    endpoint.close()
    [request] = server.requests
    assert (request["path"], request["query"]) == ("/api/v2/write", {"org": "it", "bucket": "metrics", "precision": "ns"})
    assert request["headers"]["Authorization"] == "Token s3cret"
    assert request["headers"]["Content-Encoding"] == "gzip"
    assert request["lines"] == LINES


def test_v1_posts_to_write_with_database_retention_policy_and_basic_authentication(server, tmp_path):
    password_file = tmp_path / "password"
    password_file.write_text("pa:ss\n")
    endpoint = WriteEndpoint(config(server.url, tmp_path, api="v1", database="itops", retention_policy="month",
                                    username="writer", password_file=str(password_file)), time.time)
    endpoint.write(LINES)
    endpoint.close()
    [request] = server.requests
    assert (request["path"], request["query"]) == ("/write", {"db": "itops", "rp": "month", "precision": "ns"})
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"writer:pa:ss").decode()
    assert request["lines"] == LINES


@pytest.mark.parametrize("status, headers, reason, retry_after_s", [
    (429, {"Retry-After": "7"}, FailureReason.THROTTLED, 7.0),
    (503, {"Retry-After": formatdate(1_000_030, usegmt=True)}, FailureReason.SERVER_ERROR, 30.0),
    (500, {}, FailureReason.SERVER_ERROR, None),
    (401, {}, FailureReason.UNAUTHORIZED, None),
    (403, {}, FailureReason.UNAUTHORIZED, None),
    (413, {}, FailureReason.TOO_LARGE, None),
    (400, {}, FailureReason.REJECTED, None),
    (404, {}, FailureReason.REJECTED, None),
])
def test_each_answer_is_taken_for_what_it_means(server, tmp_path, status, headers, reason, retry_after_s):
    server.script.append((status, headers, '{"error":"what the server says"}', 0))
    endpoint = WriteEndpoint(config(server.url, tmp_path), lambda: 1_000_000.0)
    with pytest.raises(WriteFailed) as caught:
        endpoint.write(LINES)
    endpoint.close()
    assert (caught.value.reason, caught.value.status, caught.value.retry_after_s) == (reason, status, retry_after_s)
    assert "what the server says" in caught.value.detail


def test_no_server_is_a_connection_failure(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = WriteEndpoint(config(f"http://127.0.0.1:{port}", tmp_path), time.time)
    with pytest.raises(WriteFailed) as caught:
        endpoint.write(LINES)
    assert caught.value.reason is FailureReason.CONNECTION


def test_no_answer_in_time_is_a_timeout(server, tmp_path):
    server.script.append((204, {}, "", 3))
    endpoint = WriteEndpoint(config(server.url, tmp_path, timeout=0.3), time.time)
    started = time.monotonic()
    with pytest.raises(WriteFailed) as caught:
        endpoint.write(LINES)
    assert caught.value.reason is FailureReason.TIMEOUT
    assert time.monotonic() - started < 2


def test_the_writer_retries_throttling_and_server_errors_honouring_retry_after(server, tmp_path):
    server.script += [(429, {"Retry-After": "1"}, "slow down", 0), (503, {}, "unavailable", 0)]
    registry = CollectorRegistry()
    outbox = Outbox(tmp_path, "out", 10**9)
    outbox.append([Batch("a", ['m{host="a"}'], np.zeros(2, dtype=np.uint32), np.array([1, 2], dtype=np.int64),
                         np.array([1.0, 2.0]), enqueued_ms=1)], chunk_samples=10)
    endpoint = WriteEndpoint(config(server.url, tmp_path), time.time)
    writer = OutboxWriter("out", outbox, LineEncoder(parse_series_key, [], BACKSLASH_ESCAPED), endpoint.write,
                          OutputMetrics(registry).series("out"), batch_lines=10, batch_interval_s=0.05,
                          backoff=Backoff(0.05, 0.1))
    thread = threading.Thread(target=writer.run)
    thread.start()
    deadline = time.monotonic() + 10
    while outbox.samples and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.stop()
    thread.join(5)
    endpoint.close()
    assert outbox.samples == 0
    lines = b"m,agent=a,host=a value=1.0 1000000\nm,agent=a,host=a value=2.0 2000000"
    assert [request["lines"] for request in server.requests] == [lines] * 3
    assert server.requests[1]["at"] - server.requests[0]["at"] >= 1.0  # Retry-After: 1
    assert server.requests[2]["at"] - server.requests[1]["at"] < 1.0  # a backoff of 0.05 s
    value = registry.get_sample_value
    assert value("itops_output_write_failures_total", {"output": "out", "reason": "throttled"}) == 1
    assert value("itops_output_write_failures_total", {"output": "out", "reason": "server_error"}) == 1
    assert value("itops_output_written_samples_total", {"output": "out"}) == 2
    assert value("itops_output_up", {"output": "out"}) == 1
    outbox.close()
