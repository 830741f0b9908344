"""One write request to the server, through influxdb-client's synchronous HTTP client, and what its failure means.

Both APIs go through the client's generated write service and API client (its urllib3 pool, timeout and
``ApiException``), never its batching ``WriteApi``, whose ``flush()`` does nothing, whose ``close()`` can wait 300 s
and whose failed batches only reach a callback. ``v2`` posts to /api/v2/write with ``Authorization: Token``; ``v1``
to /write?db=&rp= with HTTP basic authentication. The body is gzipped here at level 1: the client's own
``enable_gzip`` compresses at level 9, about 40 MB/s of line protocol on one core against 270 MB/s at level 1, for
a body of 15 % of the lines' size instead of 17 %.
"""

from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import urllib3
from influxdb_client import InfluxDBClient
from influxdb_client.rest import ApiException
from influxdb_client.service.write_service import WriteService

from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.collector.outputs.metrics import FailureReason

__all__ = ["WriteEndpoint", "WriteFailed"]

log = logging.getLogger("itops.collector.outputs.influxdb")

GZIP_LEVEL = 1
CONTENT_TYPE = "text/plain; charset=utf-8"
SHOWN_ERROR_CHARS = 2000


@dataclass
class WriteFailed(Exception):
    """A write request that did not succeed: why (the failure reason), the HTTP status (None without an answer),
    the server's own words and how long it asked us to wait (Retry-After)."""

    reason: FailureReason
    status: int | None
    detail: str
    retry_after_s: float | None = None

    def __str__(self) -> str:
        return f"{self.status or self.reason}: {self.detail[:SHOWN_ERROR_CHARS]}"


def _secret(value: str | None, file: str | None) -> str | None:
    return Path(file).read_text(encoding="utf-8").strip() if file else value


class WriteEndpoint:
    def __init__(self, config: InfluxDBConfig, epoch_now):
        self._config = config
        self._epoch_now = epoch_now  # for a Retry-After given as a date
        timeout_ms = int(config.timeout * 1000)
        if config.api == "v2":
            self._client = InfluxDBClient(config.url, token=_secret(config.token, config.token_file),
                                          org=config.org or None, timeout=timeout_ms)
        else:
            password = _secret(config.password, config.password_file)
            basic = f"{config.username}:{password or ''}" if config.username else None
            self._client = InfluxDBClient(config.url, token=basic, auth_basic=basic is not None, timeout=timeout_ms)
        self._write_service = WriteService(self._client.api_client)

    def close(self) -> None:
        self._client.close()

    def write(self, lines: bytes) -> None:
        """POST the lines (``\\n``-separated); raises WriteFailed."""
        body = gzip.compress(lines, GZIP_LEVEL)
        try:
            if self._config.api == "v2":
                self._write_service.post_write(org=self._config.org, bucket=self._config.bucket, body=body,
                                               precision="ns", content_encoding="gzip", content_type=CONTENT_TYPE)
            else:
                self._post_v1(body)
        except ApiException as error:
            raise self._refused(error) from None
        except urllib3.exceptions.NewConnectionError as error:  # before TimeoutError: urllib3 derives it from that
            raise WriteFailed(FailureReason.CONNECTION, None, str(error)) from None
        except urllib3.exceptions.TimeoutError as error:
            raise WriteFailed(FailureReason.TIMEOUT, None, str(error)) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise WriteFailed(FailureReason.CONNECTION, None, str(error)) from None

    def _post_v1(self, body: bytes) -> None:
        query = [("db", self._config.database), ("precision", "ns")]
        if self._config.retention_policy:
            query.append(("rp", self._config.retention_policy))
        self._client.api_client.call_api(
            "/write", "POST", query_params=query, body=body, response_type=None, auth_settings=[],
            header_params={"Content-Encoding": "gzip", "Content-Type": CONTENT_TYPE})

    def _refused(self, error: ApiException) -> WriteFailed:
        status = error.status or 0
        detail = error.body.decode(errors="replace") if isinstance(error.body, bytes) else str(error.body or error.reason)
        if status in (401, 403):
            reason = FailureReason.UNAUTHORIZED
        elif status == 413:
            reason = FailureReason.TOO_LARGE
        elif status == 429:
            reason = FailureReason.THROTTLED
        elif status >= 500:
            reason = FailureReason.SERVER_ERROR
        else:
            reason = FailureReason.REJECTED
        return WriteFailed(reason, status, detail, self._retry_after_s(error.headers))

    def _retry_after_s(self, headers) -> float | None:
        value = (headers or {}).get("Retry-After")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - self._epoch_now())
        except (TypeError, ValueError):
            return None
