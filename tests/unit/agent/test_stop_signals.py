"""The agent stops on SIGINT and SIGTERM, also where the event loop takes no signal handlers (Windows): there
through signal.signal, handed to the loop."""

from __future__ import annotations

import asyncio
import os
import signal

from itops.agent.service import _on_stop_signals


class WindowsLikeLoop(asyncio.SelectorEventLoop):
    def add_signal_handler(self, sig, callback, *args):
        raise NotImplementedError


def _stops_on(loop: asyncio.AbstractEventLoop, signum: int) -> bool:
    async def scenario() -> bool:
        stop = asyncio.Event()
        _on_stop_signals(asyncio.get_running_loop(), stop.set)
        os.kill(os.getpid(), signum)
        try:
            await asyncio.wait_for(stop.wait(), 2)
        except TimeoutError:
            return False
        return True
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return loop.run_until_complete(scenario())
    finally:
        for signum, handler in previous.items():
            if not isinstance(loop, WindowsLikeLoop):
                loop.remove_signal_handler(signum)
            signal.signal(signum, handler)
        loop.close()


def test_a_loop_without_signal_handlers_still_stops_on_sigint_and_sigterm():
    assert _stops_on(WindowsLikeLoop(), signal.SIGINT)
    assert _stops_on(WindowsLikeLoop(), signal.SIGTERM)


def test_the_usual_loop_stops_on_sigterm():
    assert _stops_on(asyncio.new_event_loop(), signal.SIGTERM)
