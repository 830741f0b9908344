"""POSTing JSON for the HTTP channels, with failures sorted into retryable or not."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import aiohttp

from itops.alerting.notifiers.base import NotifyError

__all__ = ["check_robot_answer", "post_json", "status_is_retryable"]

_RETRYABLE_STATUSES = frozenset({408, 425, 429})
_BODY_EXCERPT_CHARS = 200


async def post_json(url: str, payload: Any, timeout_s: float, headers: dict[str, str] | None = None,
                    shown_as: str | None = None) -> bytes:
    """POST ``payload`` as JSON and return the answer's body; raise NotifyError unless the status is 2xx.

    Errors name the URL without its query (robots carry their token there), or ``shown_as``.
    """
    where = shown_as or url.split("?", 1)[0]
    try:
        async with (aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
                    session.post(url, json=payload, headers=headers or {}) as response):
            body = await response.read()
    except TimeoutError:
        raise NotifyError(f"{where}: no answer within {timeout_s:g}s", retryable=True) from None
    except aiohttp.ClientError as exc:
        raise NotifyError(f"{where}: {type(exc).__name__}: {exc}", retryable=True) from None
    if not 200 <= response.status < 300:
        excerpt = body[:_BODY_EXCERPT_CHARS].decode("utf-8", errors="replace")
        raise NotifyError(f"{where}: HTTP {response.status}: {excerpt}", retryable=status_is_retryable(response.status))
    return body


def status_is_retryable(status: int) -> bool:
    """A server error, or the server saying "not now" (timeout, too early, too many requests); any other
    refusal (400, 401, 403, 404, 413 …) would be refused again."""
    return status >= 500 or status in _RETRYABLE_STATUSES


def check_robot_answer(body: bytes, code_field: str, retryable_codes: Collection[int], channel: str) -> None:
    """Chat robots answer HTTP 200 even when they refuse; the refusal is a non-zero code in the JSON."""
    try:
        answer = json.loads(body)
    except ValueError:
        raise NotifyError(f"{channel}: answer is not JSON: {body[:_BODY_EXCERPT_CHARS]!r}", retryable=False) from None
    code = answer.get(code_field, 0) if isinstance(answer, dict) else None
    if code != 0:
        raise NotifyError(f"{channel}: refused with {code_field} {code}: {answer}", retryable=code in retryable_codes)

