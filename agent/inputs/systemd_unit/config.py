"""Options of the ``systemd_unit`` input: which units must be active."""

from __future__ import annotations

from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["SystemdUnitConfig"]


class SystemdUnitConfig(InputConfig, tag=plugin_name(__name__)):
    """Whether systemd units are active, read with one `systemctl show` per gather."""

    units: Annotated[list[str], msgspec.Meta(min_length=1, description="Unit names, e.g. `postgresql.service`, `backup.timer`; a name without suffix is a service.")]
