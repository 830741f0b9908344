"""The calls and request bytes the agents have in flight at the collector, per agent and in all, with caps.

A call counts from the moment it is admitted (before its message is read) until it is answered; its bytes
count from the moment its message is read. The caps bound the memory a misbehaving or compromised agent, or
a whole fleet replaying its backlog at once, can make the collector hold.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["InFlightCall", "InFlightCaps", "InFlightLedger", "OverLimit"]


@dataclass(frozen=True)
class InFlightCaps:
    """Named like the config fields (``grpc.…``) they come from, which the refusals quote."""

    max_calls_per_agent: int
    max_calls_in_flight: int
    max_bytes_per_agent: int
    max_bytes_in_flight: int


class OverLimit(Exception):
    """A call refused because admitting it would pass a cap; ``limit`` names the cap."""

    def __init__(self, limit: str, message: str):
        super().__init__(message)
        self.limit = limit


@dataclass
class _Usage:
    calls: int = 0
    bytes: int = 0


class InFlightCall:
    """One admitted call's share of the ledger."""

    def __init__(self, ledger: "InFlightLedger", agent_id: str):
        self._ledger, self.agent_id = ledger, agent_id
        self.bytes = 0

    def add_bytes(self, count: int) -> None:
        """Count the call's request bytes, or raise OverLimit (and count nothing) if they do not fit."""
        self._ledger._take_bytes(self.agent_id, count)
        self.bytes += count


class InFlightLedger:
    def __init__(self, caps: InFlightCaps):
        self.caps = caps
        self.total = _Usage()
        self._by_agent: dict[str, _Usage] = {}

    @contextlib.contextmanager
    def call(self, agent_id: str) -> Iterator[InFlightCall]:
        """Admit one call of ``agent_id`` for the block, or raise OverLimit before it starts."""
        usage = self._take_call(agent_id)
        call = InFlightCall(self, agent_id)
        try:
            yield call
        finally:
            usage.calls -= 1
            usage.bytes -= call.bytes
            self.total.calls -= 1
            self.total.bytes -= call.bytes
            if not usage.calls:
                del self._by_agent[agent_id]

    def _take_call(self, agent_id: str) -> _Usage:
        usage = self._by_agent.get(agent_id) or _Usage()
        if usage.calls >= self.caps.max_calls_per_agent:
            raise OverLimit("max_calls_per_agent", f"agent {agent_id} already has {usage.calls} calls in flight, the most "
                            f"grpc.max_calls_per_agent allows; send one at a time and retry after they are answered")
        if self.total.calls >= self.caps.max_calls_in_flight:
            raise OverLimit("max_calls_in_flight", f"the collector already has {self.total.calls} calls in flight, the "
                            f"most grpc.max_calls_in_flight allows; retry later")
        self._by_agent[agent_id] = usage
        usage.calls += 1
        self.total.calls += 1
        return usage

    def _take_bytes(self, agent_id: str, count: int) -> None:
        usage = self._by_agent[agent_id]
        if usage.bytes + count > self.caps.max_bytes_per_agent:
            raise OverLimit("max_bytes_per_agent", f"agent {agent_id} would have {usage.bytes + count} request bytes in "
                            f"flight with this {count}-byte message, more than grpc.max_bytes_per_agent "
                            f"({self.caps.max_bytes_per_agent}); retry after its other calls are answered")
        if self.total.bytes + count > self.caps.max_bytes_in_flight:
            raise OverLimit("max_bytes_in_flight", f"the collector would have {self.total.bytes + count} request bytes in "
                            f"flight with this {count}-byte message, more than grpc.max_bytes_in_flight "
                            f"({self.caps.max_bytes_in_flight}); retry later")
        usage.bytes += count
        self.total.bytes += count
