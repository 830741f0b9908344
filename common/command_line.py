"""What every itops command does the same way: log format, loading its config or saying why not, and
ending quietly when the reader of its output goes away."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
from typing import Callable, TypeVar

from itops.common.yaml_config import ConfigError

__all__ = ["load_config_or_report", "quiet_when_output_closes", "setup_logging"]

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


def quiet_when_output_closes(main: Callable[..., int]) -> Callable[..., int]:
    """For a command's ``main``: output piped into a reader that stops early (``itops hosts | head``) ends the
    command as it ends other Unix tools, with the SIGPIPE exit status and no BrokenPipeError traceback. (Not
    by restoring SIGPIPE's default action: that would also kill the agent or collector on a closed socket.)"""

    @functools.wraps(main)
    def run(*args, **kwargs) -> int:
        try:
            try:
                return main(*args, **kwargs)
            finally:  # also after argparse's --help: a reader gone after the last line fails here, not at exit
                sys.stdout.flush()
        except BrokenPipeError:
            # The interpreter flushes stdout once more on its way out; let that write go nowhere.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 128 + signal.SIGPIPE
    return run
