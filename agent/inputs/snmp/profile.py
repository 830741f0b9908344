"""Device profiles: which OIDs to fetch from a kind of device and which interpreter reads them.

Profiles are YAML files: the shipped ones in ``profiles/`` next to this module, plus any in the input's
``profiles_dir`` (a user profile replaces a shipped one of the same name). A device gets the ``generic``
profile always, and in addition the highest-priority profile that matches it plus every other profile whose
tables it answers (``oid_present``): a UPS card with a temperature probe gets ``ups`` and ``environment``.
A device's config may name its profiles instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Callable

import msgspec
from msgspec import Meta

from itops.agent.inputs.snmp.interpreters import Interpret, interpreters
from itops.agent.inputs.snmp.walk import Oid, parse_oid
from itops.common.yaml_config import ConfigError, load_file

__all__ = ["GENERIC_PROFILE", "Profile", "ProfileMatch", "ProfileSet", "load_profiles"]

GENERIC_PROFILE = "generic"
INTERPRETERS_PACKAGE = interpreters.__module__

OidText = Annotated[str, Meta(pattern=r"^\.?\d+(\.\d+)+$", description="A numeric OID such as 1.3.6.1.2.1.1.3.0.")]
OidPrefix = Annotated[str, Meta(pattern=r"^\.?\d+(\.\d+)*\.?$", description="A numeric OID prefix such as 1.3.6.1.4.1.2435.")]


class ProfileMatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A profile matches a device when any one of these matches."""

    sys_object_id: Annotated[list[OidPrefix], Meta(description="Prefixes of sysObjectID.")] = []
    sys_descr: Annotated[list[str], Meta(description="Regular expressions searched in sysDescr.")] = []
    oid_present: Annotated[list[OidText], Meta(description="The device answers with something under one of these OIDs.")] = []

    def __post_init__(self) -> None:
        for pattern in self.sys_descr:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"sys_descr {pattern!r} is not a regular expression: {exc}") from None


class Profile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]*$", description="Profile name, as devices' `profile` option names it.")]
    description: Annotated[str, Meta(description="What devices this profile is for.")]
    interpreter: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]*$", description=f"The interpreter that reads the walk: a module in {INTERPRETERS_PACKAGE} with its own `interpret`.")]
    priority: Annotated[int, Meta(description="Of the profiles that match a device, the one with the highest priority is selected; others only when the device answers their `oid_present` tables.")] = 0
    match: Annotated[ProfileMatch, Meta(description="When the profile applies.")] = msgspec.field(default_factory=ProfileMatch)
    walk: Annotated[list[OidText], Meta(description="Subtrees fetched with GETBULK (GETNEXT in v1).")] = []
    get: Annotated[list[OidText], Meta(description="Scalars fetched with GET.")] = []

    def matches(self, sys_object_id: str, sys_descr: str, answers_under: Callable[[str], bool]) -> bool:
        oid = sys_object_id.lstrip(".")
        return (any(oid == prefix.strip(".") or oid.startswith(prefix.strip(".") + ".") for prefix in self.match.sys_object_id)
                or any(re.search(pattern, sys_descr) for pattern in self.match.sys_descr)
                or self.tables_answered(answers_under))

    def tables_answered(self, answers_under: Callable[[str], bool]) -> bool:
        """The device answers under one of this profile's ``oid_present`` OIDs."""
        return any(answers_under(probe) for probe in self.match.oid_present)

    def get_oids(self) -> list[Oid]:
        return [parse_oid(text) for text in self.get]

    def walk_oids(self) -> list[Oid]:
        return [parse_oid(text) for text in self.walk]


@dataclass(frozen=True)
class ProfileSet:
    by_name: dict[str, Profile]
    interpreters: dict[str, Interpret]  # profile name -> its interpreter's ``interpret``

    @property
    def generic(self) -> Profile:
        return self.by_name[GENERIC_PROFILE]

    def probe_oids(self) -> list[str]:
        """Every ``oid_present`` OID of the selectable profiles: what selection may need to ask a device."""
        return sorted({probe for profile in self.selectable() for probe in profile.match.oid_present})

    def selectable(self) -> list[Profile]:
        """Profiles that auto-selection may pick, highest priority first (ties by name)."""
        return sorted((p for p in self.by_name.values() if p.name != GENERIC_PROFILE), key=lambda p: (-p.priority, p.name))

    def select(self, sys_object_id: str, sys_descr: str, present_probes: set[str]) -> list[Profile]:
        """The highest-priority profile matching the device, then every other one whose tables the device
        answers; ``[generic]`` when none matches."""
        answered = present_probes.__contains__
        matching = [profile for profile in self.selectable() if profile.matches(sys_object_id, sys_descr, answered)]
        if not matching:
            return [self.generic]
        return matching[:1] + [profile for profile in matching[1:] if profile.tables_answered(answered)]


def load_profiles(directories: list[Path]) -> ProfileSet:
    """Every ``*.yaml`` profile in ``directories``; a later directory's profile replaces an earlier one of the
    same name. Raises ConfigError naming file, line and field."""
    by_name: dict[str, Profile] = {}
    files: dict[str, Path] = {}
    for directory in directories:
        if not directory.is_dir():
            raise ConfigError(str(directory), None, "", "profiles directory does not exist")
        for path in sorted(directory.glob("*.yaml")):
            profile = load_file(path, Profile)
            if profile.name != path.stem:
                raise ConfigError(str(path), _line_of(path, "name"), "name", f"is {profile.name!r}; a profile's file must be named after it ({profile.name}.yaml)")
            by_name[profile.name], files[profile.name] = profile, path
    if GENERIC_PROFILE not in by_name:
        raise ConfigError(str(directories[0]), None, "", f"the {GENERIC_PROFILE!r} profile is missing")
    return ProfileSet(by_name, {name: _interpreter(profile, files[name]) for name, profile in by_name.items()})


def _interpreter(profile: Profile, path: Path) -> Interpret:
    interpret = interpreters().get(profile.interpreter)
    if interpret is None:
        raise ConfigError(str(path), _line_of(path, "interpreter"), "interpreter", f"no interpreter named {profile.interpreter!r} in {INTERPRETERS_PACKAGE}")
    return interpret


def _line_of(path: Path, key: str) -> int | None:
    """The line of a top-level ``key:`` in a profile file, for errors found after parsing."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return None
