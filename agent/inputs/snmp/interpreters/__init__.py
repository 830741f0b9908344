"""The profile interpreters, by the name a profile's ``interpreter:`` gives: each is a module here with its
own ``interpret(walk, device, acc)`` (see ``itops.agent.inputs.snmp.device``), named once, as its module.
The other modules are parts the interpreters share and are not interpreters.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable

from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.walk import Walk

__all__ = ["Interpret", "interpreters"]

Interpret = Callable[[Walk, DeviceContext, Accumulator], None]


@functools.cache
def interpreters() -> dict[str, Interpret]:
    """Interpreter name → its ``interpret``, in name order."""
    found = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        interpret = getattr(module, "interpret", None)
        if callable(interpret) and interpret.__module__ == module.__name__:
            found[module_info.name] = interpret
    return dict(sorted(found.items()))
