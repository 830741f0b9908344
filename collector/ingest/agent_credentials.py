"""Agent credentials: the ``agents`` section of the collector config, and the bearer token that identifies exactly
one agent. Loading a config file imports this module, so it stays light."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Annotated

import msgspec
from msgspec import Meta

from itops.common.yaml_config import FieldProblem

__all__ = ["SELF_AGENT_ID", "AgentCredential", "TokenAuthenticator", "check_agent_credentials", "new_token",
           "token_sha256"]

SELF_AGENT_ID = "itops-collector"  # the collector stores its own metrics as this agent's; no agent may be it
TOKEN_BYTES = 32
# Marks a leaked token for secret scanners, and keeps it from starting with "-", which a command line
# (`itops --token …`) would read as an option.
TOKEN_PREFIX = "itops_"
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class AgentCredential(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._-]+$", description="The agent's id (its `agent_id`, by default its hostname).")]
    token_sha256: Annotated[str, Meta(description="SHA-256 (hex) of the agent's bearer token; `itops-collector new-token ID` makes both.")]
    hostname: Annotated[Annotated[str, Meta(min_length=1, max_length=253)] | None, Meta(description="The host this agent speaks for (its `host` label and Hello hostname). Default: the hostname of its first Hello; set it to move the agent to another host.")] = None
    devices: Annotated[list[str], Meta(description="Devices and clocks this agent polls, taken from any agent that reported them before (see proto/README.md, \"Identity\"). Others are owned by the first agent that reports them.")] = []


def check_agent_credentials(agents: list[AgentCredential]) -> None:
    """Ids are unique, and no host or device is given to two agents; raises FieldProblem (its field under
    ``agents``), which the config loader turns into a ConfigError naming file, line and field."""
    seen: set[str] = set()
    given_to: dict[tuple[str, str], str] = {}
    for index, agent in enumerate(agents):
        if agent.id in seen:
            raise FieldProblem(f"agents[{index}].id", f"agent {agent.id!r} is listed twice")
        if agent.id == SELF_AGENT_ID:
            raise FieldProblem(f"agents[{index}].id", f"{SELF_AGENT_ID!r} is reserved: the collector stores its own "
                                                      "metrics under it; give the agent another id")
        seen.add(agent.id)
        if not _SHA256_RE.match(agent.token_sha256):
            raise FieldProblem(f"agents[{index}].token_sha256", "expected 64 lower-case hex digits (SHA-256)")
        claims = [(f"agents[{index}].hostname", "hostname", agent.hostname)] if agent.hostname else []
        claims += [(f"agents[{index}].devices[{i}]", "devices", device) for i, device in enumerate(agent.devices)]
        for field, kind, name in claims:
            owner = given_to.setdefault((kind, name), agent.id)
            if owner != agent.id:
                raise FieldProblem(field, f"{name!r} is already given to agent {owner!r}")


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
