"""Takes the hardware inventory; the collector compares it with the previous one."""

from __future__ import annotations

from itops.agent.facts import hardware_inventory
from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.inventory.config import InventoryConfig

__all__ = ["InventoryInput"]


class InventoryInput(Input[InventoryConfig]):
    def gather(self, acc: Accumulator) -> None:
        acc.add_inventory(hardware_inventory(clock=self.clock))
