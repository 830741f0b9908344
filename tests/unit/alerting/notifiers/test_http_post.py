"""POSTing JSON for the HTTP channels: which failures are worth retrying, against a real server on 127.0.0.1."""

import asyncio
import socket

import pytest
from aiohttp import web

from itops.alerting.notifiers.base import NotifyError
from itops.alerting.notifiers.http_post import (
    check_robot_answer,
    post_json,
    status_is_retryable,
)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 425, 429])
def test_server_errors_and_not_now_answers_are_retryable(status):
    assert status_is_retryable(status) is True


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 422])
def test_other_refusals_are_not_retryable(status):
    assert status_is_retryable(status) is False


def test_a_robots_zero_code_is_delivered():
    check_robot_answer(b'{"errcode": 0, "errmsg": "ok"}', "errcode", {-1}, "wecom")


def test_a_robots_answer_that_is_not_json_is_not_retryable():
    with pytest.raises(NotifyError) as caught:
        check_robot_answer(b"<html>proxy error</html>", "errcode", {-1}, "wecom")
    assert caught.value.retryable is False
    assert str(caught.value) == "wecom: answer is not JSON: b'<html>proxy error</html>'"


def test_a_robots_json_that_is_not_an_object_is_refused():
    with pytest.raises(NotifyError) as caught:
        check_robot_answer(b"[]", "errcode", {-1}, "wecom")
    assert caught.value.retryable is False


async def _post_to(status: int, text: str, url_query: str = "", shown_as: str | None = None) -> bytes:
    async def answer(_request: web.Request) -> web.Response:
        return web.Response(status=status, text=text)

    app = web.Application()
    app.router.add_post("/hook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        return await post_json(f"http://127.0.0.1:{port}/hook{url_query}", {"text": "hi"}, 5.0, shown_as=shown_as)
    finally:
        await runner.cleanup()


def test_a_2xx_answer_returns_its_body():
    assert asyncio.run(_post_to(200, '{"errcode": 0}')) == b'{"errcode": 0}'


def test_a_503_is_retryable_and_quoted_without_the_urls_query():
    with pytest.raises(NotifyError) as caught:
        asyncio.run(_post_to(503, "maintenance", url_query="?key=robot-secret"))
    assert caught.value.retryable is True
    assert str(caught.value).endswith("/hook: HTTP 503: maintenance")
    assert "robot-secret" not in str(caught.value)


def test_a_403_is_not_retryable_and_named_as_asked():
    with pytest.raises(NotifyError) as caught:
        asyncio.run(_post_to(403, "no", shown_as="feishu robot"))
    assert caught.value.retryable is False
    assert str(caught.value) == "feishu robot: HTTP 403: no"


def test_a_refused_connection_is_retryable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NotifyError) as caught:
        asyncio.run(post_json(f"http://127.0.0.1:{port}/hook", {}, 5.0))
    assert caught.value.retryable is True
    assert str(caught.value).startswith(f"http://127.0.0.1:{port}/hook: ClientConnectorError")
