"""The ``inventory`` input's config: how often the hardware inventory is taken (and on every start)."""

from __future__ import annotations

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration

__all__ = ["InventoryConfig", "DEFAULT_INVENTORY_INTERVAL_S"]

DEFAULT_INVENTORY_INTERVAL_S = 86400.0


class InventoryConfig(InputConfig, tag=plugin_name(__name__)):
    """Hardware inventory (CPU, memory, disks, NICs, BIOS/board serials, OS), taken at start and daily.

    The collector keeps every snapshot per host and reports any hardware change as the check
    ``hardware_inventory``. ``interval`` defaults to 24h here, not to the agent's interval."""

    def __post_init__(self) -> None:
        if self.interval is None:
            self.interval = Duration(DEFAULT_INVENTORY_INTERVAL_S)
