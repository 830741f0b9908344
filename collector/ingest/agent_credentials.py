"""Agent authentication: a bearer token identifies exactly one agent."""

from __future__ import annotations

import hashlib
import secrets

from itops.collector.config import AgentCredential

__all__ = ["TokenAuthenticator", "new_token", "token_sha256"]

TOKEN_BYTES = 32
# Marks a leaked token for secret scanners, and keeps it from starting with "-", which a command line
# (`itops --token …`) would read as an option.
TOKEN_PREFIX = "itops_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenAuthenticator:
    def __init__(self, credentials: list[AgentCredential]):
        self._agent_by_hash = {credential.token_sha256: credential.id for credential in credentials}

    def agent_for(self, metadata: tuple[tuple[str, str | bytes], ...] | None) -> str | None:
        """The agent id a call's ``authorization: Bearer …`` metadata proves, or None."""
        for key, value in metadata or ():
            if key == "authorization" and isinstance(value, str) and value.startswith("Bearer "):
                return self._lookup(value.removeprefix("Bearer ").strip())
        return None

    def _lookup(self, token: str) -> str | None:
        # Looking up the hash, not the token, leaks nothing through timing: the hash of a guess says
        # nothing about how close the guess is.
        return self._agent_by_hash.get(token_sha256(token))
