"""What the ``itops`` CLI commands share: JSON calls to the collector's HTTP API and plain-text tables."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

__all__ = ["ApiUnreachable", "download", "get_json", "send_json", "table"]

DEFAULT_TIMEOUT_S = 10


class ApiUnreachable(Exception):
    pass


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def get_json(base_url: str, path: str, params: list[tuple[str, str]] | None = None, token: str = "") -> dict:
    url = f"{base_url.rstrip('/')}{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    return _call(urllib.request.Request(url, headers=_headers(token)), base_url)


def send_json(base_url: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{base_url.rstrip('/')}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **_headers(token)})
    return _call(request, base_url)


def download(base_url: str, path: str, params: list[tuple[str, str]], token: str,
             timeout_s: float) -> tuple[bytes, Message]:
    """A file from the API: its bytes and the response headers (Content-Disposition names it)."""
    url = f"{base_url.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
    return _fetch(urllib.request.Request(url, headers=_headers(token)), base_url, timeout_s)


def _call(request: urllib.request.Request, base_url: str) -> dict:
    content, _ = _fetch(request, base_url, DEFAULT_TIMEOUT_S)
    return json.loads(content)


def _fetch(request: urllib.request.Request, base_url: str, timeout_s: float) -> tuple[bytes, Message]:
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.read(), response.headers
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail)["error"]
        except (ValueError, KeyError, TypeError):
            pass
        hint = _unauthorized_hint(request.has_header("Authorization")) if exc.code == 401 else ""
        raise ApiUnreachable(f"{url}: HTTP {exc.code}: {detail}{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ApiUnreachable(f"cannot reach the collector at {base_url}: {getattr(exc, 'reason', exc)}") from None


_MAKE_TOKEN = "make one with `itops-collector new-api-token -c CONFIG USER NAME` (`make demo` prints one)"


def _unauthorized_hint(token_sent: bool) -> str:
    """Why a 401 happened and what to do, which the server cannot know: whether the CLI had a token to send."""
    if token_sent:
        return f"\n  the collector refused the API token given (unknown or revoked): check $ITOPS_TOKEN or --token, or {_MAKE_TOKEN}"
    return f"\n  no API token was given: set $ITOPS_TOKEN or pass --token; {_MAKE_TOKEN}"


def table(header: tuple[str, ...], rows: list[tuple]) -> str:
    rows = [header, *rows]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
