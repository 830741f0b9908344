"""An ``outputs:`` entry of the collector config for InfluxDB (1.x, 2.x, 3) and VictoriaMetrics."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from itops.collector.outputs.base import OutputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import ByteSize, Duration

__all__ = ["MAX_BATCH_LINES", "InfluxDBConfig"]

MAX_BATCH_LINES = 5000  # InfluxDB's advice for one write request


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class InfluxDBConfig(OutputConfig, tag=plugin_name(__name__)):
    url: Annotated[str, msgspec.Meta(
        pattern=r"^https?://", description="Base URL of the server, e.g. `http://influxdb:8086` or "
                                           "`http://victoria-metrics:8428`.")]
    outbox: Annotated[str, _doc(
        "Directory of the local outbox (`outbox-<name>.sqlite3` in it, so outputs may share it): what is accepted "
        "and not yet written, kept across restarts.")]
    api: Annotated[Literal["v2", "v1"], _doc(
        "`v2`: POST /api/v2/write with `org`, `bucket` and `token` (InfluxDB 2.x, InfluxDB 3's compatibility API, "
        "VictoriaMetrics). `v1`: POST /write?db=&rp= with optional `username`/`password` (InfluxDB 1.x).")] = "v2"
    org: Annotated[str, _doc("v2: the organization (InfluxDB 2.x needs it; InfluxDB 3 and VictoriaMetrics ignore "
                             "it).")] = ""
    bucket: Annotated[str, _doc("v2: the bucket (InfluxDB 3: the database).")] = "itops"
    token: Annotated[str | None, _doc("v2: the API token, sent as `Authorization: Token …`.")] = None
    token_file: Annotated[str | None, _doc("v2: a file holding the API token (instead of `token`).")] = None
    database: Annotated[str, _doc("v1: the database (`db`).")] = "itops"
    retention_policy: Annotated[str | None, _doc("v1: the retention policy (`rp`); default: the database's.")] = None
    username: Annotated[str | None, _doc("v1: the user (HTTP basic authentication).")] = None
    password: Annotated[str | None, _doc("v1: the user's password.")] = None
    password_file: Annotated[str | None, _doc("v1: a file holding the password (instead of `password`).")] = None
    schema: Annotated[Literal["itops", "telegraf"], _doc(
        "`itops`: one measurement per metric family, so that VictoriaMetrics' `<measurement>_<field>` is the itops "
        "metric name (docs/metrics.md). `telegraf`: host metrics as Telegraf's `cpu`, `mem`, `disk`, `net` … "
        "measurements (existing Telegraf dashboards keep working), everything else as `itops`.")] = "itops"
    extra_tags: Annotated[list[str], _doc(
        "Labels written as tags besides those the metric registry lists for a measurement; any other label is "
        "left out.")] = msgspec.field(default_factory=list)
    outbox_limit: Annotated[ByteSize, _doc(
        "Most bytes of line protocol the outbox holds; beyond it the oldest are dropped (counted in "
        "itops_output_dropped_samples_total{reason=\"queue_full\"}).")] = ByteSize(1024 * 2**20)
    batch_lines: Annotated[int, msgspec.Meta(
        ge=1, le=MAX_BATCH_LINES, description="Most lines (samples) in one write request.")] = MAX_BATCH_LINES
    batch_interval: Annotated[Duration, _doc(
        "A write request goes out once `batch_lines` lines are queued or this long after the previous one.")] = \
        Duration(1)
    timeout: Annotated[Duration, _doc("One write request must finish within this time.")] = Duration(10)
    retry_initial: Annotated[Duration, _doc(
        "The first wait after a failed write (connection refused, timeout, 429, 5xx, 401/403); it doubles with each "
        "further failure, with random jitter, up to `retry_max`. A Retry-After header is honoured.")] = Duration(1)
    retry_max: Annotated[Duration, _doc("The longest wait between two attempts.")] = Duration(60)

    def __post_init__(self):
        if self.token is not None and self.token_file is not None:
            raise ValueError("give token or token_file, not both")
        if self.password is not None and self.password_file is not None:
            raise ValueError("give password or password_file, not both")
        if self.api == "v1" and (self.token is not None or self.token_file is not None):
            raise ValueError("token and token_file are for api v2; api v1 takes username and password")
        if self.api == "v2" and (self.username is not None or self.password is not None or self.password_file):
            raise ValueError("username and password are for api v1; api v2 takes a token")
        if self.retry_initial <= 0 or self.retry_max < self.retry_initial:
            raise ValueError("retry_initial must be above 0 and at most retry_max")
        if self.batch_interval <= 0 or self.timeout <= 0:
            raise ValueError("batch_interval and timeout must be above 0")
