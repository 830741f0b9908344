"""Options of the ``snmp`` input: the devices to poll, how to reach them, and where extra profiles live.

This module is imported whenever the agent config is loaded, so it holds only msgspec models: pysnmp is
imported by the poller, and only when an ``snmp`` input is configured.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration
from itops.entities import DEVICE_LABEL

__all__ = ["AUTH_PROTOCOLS", "PRIV_PROTOCOLS", "SnmpConfig", "SnmpDeviceConfig", "DEFAULT_SNMP_PORT", "MIN_V3_KEY_CHARS", "SHIPPED_PROFILES_DIR"]

SHIPPED_PROFILES_DIR = Path(__file__).resolve().parent / "profiles"  # a profile's file is named after it

DEFAULT_SNMP_PORT = 161
MIN_V3_KEY_CHARS = 8  # RFC 3414 pass phrases shorter than this are rejected by most agents
_ADDRESS_RE = re.compile(r"^(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[^\s:\[\]]+))(?::(?P<port>\d{1,5}))?$")

AUTH_PROTOCOLS = ("MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("DES", "3DES", "AES", "AES192", "AES256")


class SnmpDeviceConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One device to poll. SNMPv3 security level follows from the keys given: auth_key → authNoPriv,
    auth_key and priv_key → authPriv."""

    name: Annotated[str, Meta(min_length=1, description="Device name, the `device` label of its series and the target of its checks.")]
    address: Annotated[str, Meta(description="host, host:port, or [IPv6]:port of the device's SNMP agent (port 161 by default).")]
    version: Annotated[Literal["1", "2c", "3"], Meta(description="SNMP version: `1`, `2c` or `3`.")] = "2c"
    community: Annotated[str | None, Meta(description="Community (v1 and v2c).")] = None
    user: Annotated[str | None, Meta(description="SNMPv3 user name.")] = None
    auth_protocol: Annotated[str, Meta(description=f"SNMPv3 authentication protocol: {', '.join(AUTH_PROTOCOLS)}.")] = "SHA"
    auth_key: Annotated[str | None, Meta(description="SNMPv3 authentication pass phrase (8 characters or more).")] = None
    priv_protocol: Annotated[str, Meta(description=f"SNMPv3 privacy (encryption) protocol: {', '.join(PRIV_PROTOCOLS)}.")] = "AES"
    priv_key: Annotated[str | None, Meta(description="SNMPv3 privacy pass phrase (8 characters or more); needs `auth_key`.")] = None
    context: Annotated[str, Meta(description="SNMPv3 context name.")] = ""
    profile: Annotated[str | list[str] | None, Meta(description="Profile, or list of profiles (e.g. `[ups, environment]`), to use instead of selecting them from sysObjectID, sysDescr and the tables the device answers. `generic` alone says the device has nothing more to read.")] = None
    interval: Annotated[Duration | None, Meta(description="Poll this device at most this often. Defaults to every gather of the input.")] = None
    timeout: Annotated[Duration, Meta(description="Wait this long for each answer before retrying.")] = Duration(2)
    retries: Annotated[int, Meta(ge=0, le=10, description="Retries of an unanswered request; after the last one the device counts as down for this poll.")] = 1
    labels: Annotated[dict[str, str], Meta(description="Extra labels on this device's series.")] = {}
    asset_number: Annotated[str | None, Meta(description="Inventory number; becomes the `asset_number` label.")] = None
    department: Annotated[str | None, Meta(description="Owning department; becomes the `department` label.")] = None
    location: Annotated[str | None, Meta(description="Where the device stands; becomes the `location` label.")] = None
    responsible_person: Annotated[str | None, Meta(description="Who looks after it; becomes the `responsible_person` label.")] = None

    def __post_init__(self) -> None:
        if isinstance(self.profile, list) and (not self.profile or len(set(self.profile)) != len(self.profile)):
            raise ValueError("`profile` lists each profile once, and at least one")
        if not _ADDRESS_RE.match(self.address):
            raise ValueError(f"address {self.address!r} is not host, host:port or [IPv6]:port")
        if self.version == "3":
            self._check_v3()
        elif not self.community:
            raise ValueError(f"version {self.version} needs `community`")

    def _check_v3(self) -> None:
        if not self.user:
            raise ValueError("version 3 needs `user`")
        for field, value, known in (("auth_protocol", self.auth_protocol, AUTH_PROTOCOLS), ("priv_protocol", self.priv_protocol, PRIV_PROTOCOLS)):
            if value not in known:
                raise ValueError(f"`{field}` {value!r} is not one of {', '.join(known)}")
        if self.priv_key is not None and self.auth_key is None:
            raise ValueError("`priv_key` needs `auth_key` (SNMPv3 has no privacy without authentication)")
        for field in ("auth_key", "priv_key"):
            key = getattr(self, field)
            if key is not None and len(key) < MIN_V3_KEY_CHARS:
                raise ValueError(f"`{field}` must have at least {MIN_V3_KEY_CHARS} characters")

    def profile_names(self) -> list[str]:
        """The profiles the config names (none: select them)."""
        return [self.profile] if isinstance(self.profile, str) else list(self.profile or [])

    def host_and_port(self) -> tuple[str, int]:
        match = _ADDRESS_RE.match(self.address)
        return match.group("ipv6") or match.group("host"), int(match.group("port") or DEFAULT_SNMP_PORT)

    def series_labels(self) -> dict[str, str]:
        """The labels every series of this device carries: its name, asset fields that are set, its labels."""
        assets = {"asset_number": self.asset_number, "department": self.department, "location": self.location,
                  "responsible_person": self.responsible_person}
        return {**self.labels, **{name: value for name, value in assets.items() if value}, DEVICE_LABEL: self.name}


class SnmpConfig(InputConfig, tag=plugin_name(__name__)):
    """Polls printers, switches, UPS and room sensors over SNMP v1, v2c and v3."""

    devices: Annotated[list[SnmpDeviceConfig], Meta(description="The devices to poll; each has its own interval, timeout and credentials.")] = []
    profiles_dir: Annotated[str | None, Meta(description="Directory of extra profiles (`*.yaml`); a profile here replaces a shipped one of the same name.")] = None
    max_concurrent_devices: Annotated[int, Meta(ge=1, le=1000, description="Most devices polled at the same time.")] = 64
    max_repetitions: Annotated[int, Meta(ge=1, le=200, description="Rows asked for in one GETBULK request (v2c, v3).")] = 25

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for device in self.devices:
            if device.name in seen:
                raise ValueError(f"two devices are named {device.name!r}; device names must be unique")
            seen.add(device.name)
            for name in device.profile_names():
                if not self.profile_file(name):
                    raise ValueError(f"device {device.name!r}: no profile named {name!r} "
                                     f"(looked for {name}.yaml in {self.profile_dirs_text()})")

    def profile_dirs(self) -> list[Path]:
        return [SHIPPED_PROFILES_DIR] + ([Path(self.profiles_dir)] if self.profiles_dir else [])

    def profile_dirs_text(self) -> str:
        return " and ".join(str(directory) for directory in self.profile_dirs())

    def profile_file(self, name: str) -> Path | None:
        """The file of the profile ``name``: a user profile replaces a shipped one."""
        found = [directory / f"{name}.yaml" for directory in self.profile_dirs() if (directory / f"{name}.yaml").is_file()]
        return found[-1] if found else None
