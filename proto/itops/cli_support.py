"""What every itops command does the same way: log format, and loading its config or saying why not."""

from __future__ import annotations

import logging
import sys
from typing import Callable, TypeVar

from itops.yamlconf import ConfigError

__all__ = ["setup_logging", "load_config_or_report"]

T = TypeVar("T")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stderr)


def load_config_or_report(program: str, loader: Callable[[str], T], path: str) -> T | None:
    """The loaded config, or None after printing ``program: file:line: option: problem`` to stderr."""
    try:
        return loader(path)
    except ConfigError as exc:
        print(f"{program}: {exc}", file=sys.stderr)
        return None
