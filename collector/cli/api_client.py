"""What the ``itops`` CLI commands share: JSON calls to the collector's HTTP API and plain-text tables."""

from __future__ import annotations

import json
import math
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from email.message import Message
from zoneinfo import ZoneInfo

__all__ = ["ApiUnreachable", "display_width", "download", "get_json", "local_time", "number_text", "send_json", "table",
           "zone_caption"]

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


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: two for wide and full-width characters (Chinese), none for combining marks."""
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def number_text(value: float) -> str:
    """Four significant digits without an exponent, whole numbers in full: 0.5619999999999635 → ``0.562``,
    785.957 → ``786``, 3.0 → ``3``."""
    if value != value or value in (math.inf, -math.inf):
        return str(value)
    if value.is_integer():
        return str(int(value))
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: object) -> str:
    return number_text(value) if isinstance(value, float) else str(value)


def local_time(at: int | str | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Epoch milliseconds or an ISO 8601 time with offset as a local time, to the second unless ``fmt`` says
    otherwise (the zone is said once, by ``zone_caption``); "" for none."""
    if at is None:
        return ""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else datetime.fromtimestamp(at / 1000, tz=timezone.utc)
    return moment.astimezone(zone).strftime(fmt)


def zone_caption(zone: ZoneInfo) -> str:
    return f"times in {zone.key}"


def table(header: tuple[str, ...], rows: list[tuple], zone: ZoneInfo | None = None) -> str:
    """Aligned columns (by display width, so Chinese text lines up; floats as ``number_text``); with ``zone``,
    a first line saying which zone the times are in."""
    cells = [[_cell(cell) for cell in row] for row in [header, *rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths)).rstrip()
             for row in cells]
    return "\n".join(([zone_caption(zone)] if zone else []) + lines)
