"""Loaded (via PYTHONPATH) only by tests/run_at_instants.py, in every Python process it starts.

libfaketime 0.9.10 (Debian 12) breaks Python 3.11's time.sleep when the monotonic clock is not faked: the
absolute CLOCK_MONOTONIC deadline Python passes to clock_nanosleep is shifted as if it were faked, and the
kernel answers EINVAL (wolfcw/libfaketime#426). A relative select() timeout is not shifted, so sleep
waits on that instead. Nothing else changes: the wall clock stays faked, the monotonic clock real.
"""

import os
import select
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)

    time.sleep = _sleep
