"""What was derived from a series key, or from an agent's list of them, kept because an agent sends the same keys
batch after batch. Each cache is bounded and emptied when full: 1,000 agents × 1,000 keys overflow a per-key
cache, yet their 1,000 key lists still fit, and those are what repeat."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["KEY_CACHE_LIMIT", "KEY_LIST_CACHE_LIMIT", "KeyCache"]

KEY_CACHE_LIMIT = 200_000
KEY_LIST_CACHE_LIMIT = 4096

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeyCache(dict[K, V], Generic[K, V]):
    def __init__(self, limit: int = KEY_CACHE_LIMIT):
        super().__init__()
        self.limit = limit

    def get_or_make(self, key: K, make: Callable[[K], V]) -> V:
        found = self.get(key)
        if found is None:
            if len(self) >= self.limit:
                self.clear()
            found = self[key] = make(key)
        return found
