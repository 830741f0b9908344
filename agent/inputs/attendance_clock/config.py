"""Options of the ``attendance_clock`` input: the ZKTeco-style clocks to watch and when to warn."""

from __future__ import annotations

import zoneinfo
from typing import Annotated, Literal

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration

__all__ = ["DEFAULT_PORT", "AttendanceClockConfig", "ClockConfig"]

DEFAULT_PORT = 4370
DEFAULT_TIMEOUT_S = 5.0


class ClockConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One fingerprint/face attendance clock."""

    name: Annotated[str, msgspec.Meta(min_length=1, description="What people call this clock, e.g. `main-entrance`; the `clock` label and the check's target.")]
    address: Annotated[str, msgspec.Meta(min_length=1, description="Host name or IP address of the clock.")]
    port: Annotated[int, msgspec.Meta(ge=1, le=65535, description="Port of the ZK protocol.")] = DEFAULT_PORT
    protocol: Annotated[Literal["udp", "tcp"], msgspec.Meta(description="Transport of the ZK protocol; older clocks only speak `udp`.")] = "tcp"
    comm_key: Annotated[int, msgspec.Meta(ge=0, le=999999, description="The clock's communication key (Comm Key, a number); 0 when none is set.")] = 0
    timeout: Annotated[Duration, msgspec.Meta(description="How long to wait for each answer of the clock.")] = Duration(DEFAULT_TIMEOUT_S)
    timezone: Annotated[str | None, msgspec.Meta(description="IANA time zone the clock's wall time is set in, e.g. `Europe/Berlin`. Default: the agent's local time zone.")] = None
    asset_number: Annotated[str | None, msgspec.Meta(description="Inventory number; added as a label.")] = None
    department: Annotated[str | None, msgspec.Meta(description="Department the clock serves; added as a label.")] = None
    location: Annotated[str | None, msgspec.Meta(description="Where the clock hangs; added as a label.")] = None
    responsible_person: Annotated[str | None, msgspec.Meta(description="Who looks after the clock; added as a label.")] = None

    def __post_init__(self):
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"timezone: unknown time zone {self.timezone!r}; expected an IANA name such as Europe/Berlin") from None

    def asset_labels(self) -> dict[str, str]:
        fields = {"asset_number": self.asset_number, "department": self.department,
                  "location": self.location, "responsible_person": self.responsible_person}
        return {label: value for label, value in fields.items() if value}


class AttendanceClockConfig(InputConfig, tag=plugin_name(__name__)):
    """Health, clock drift and storage of ZKTeco-style attendance clocks, over the ZK protocol (port 4370)."""

    clocks: Annotated[list[ClockConfig], msgspec.Meta(min_length=1, description="The clocks to watch: `name`, `address`, `port` (4370), `protocol` (`tcp` or `udp`), `comm_key`, `timeout` (5s), `timezone`, and the labels `asset_number`, `department`, `location`, `responsible_person`.")]
    drift_warning: Annotated[Duration, msgspec.Meta(description="Warn when a clock's time is further than this from the agent's.")] = Duration(60)
    correct_drift_above: Annotated[Duration | None, msgspec.Meta(description="Set a clock to the agent's time when it is further off than this. Default: never set it.")] = None
    storage_warning_ratio: Annotated[float, msgspec.Meta(ge=0, le=1, description="Warn when a clock's record, user, fingerprint or face storage is at least this full (0–1).")] = 0.9

    def __post_init__(self):
        names = [clock.name for clock in self.clocks]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"clock names must be unique; repeated: {', '.join(repeated)}")
