"""The collector's config file (YAML), as typed models. docs/configuration.md is generated from these."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Union

import msgspec
from msgspec import Meta

from itops.alerting.config import AlertingConfig, check_alerting
from itops.collector.report_scheduler import ReportsConfig
from itops.collector.storage.registry import SHIPPED_BACKENDS
from itops.collector.storage.registry import config_models as storage_config_models
from itops.collector.validation import ValidationLimits
from itops.yamlconf import ConfigError, Duration, FieldProblem, load_file

__all__ = ["AgentCredential", "AuthConfig", "CollectorConfig", "HttpConfig", "GrpcConfig", "load_collector_config", "users_database_url"]

StorageConfigUnion = Union[storage_config_models()]  # type: ignore[valid-type]
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class AgentCredential(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._-]+$", description="The agent's id (its `agent_id`, by default its hostname).")]
    token_sha256: Annotated[str, Meta(description="SHA-256 (hex) of the agent's bearer token; `itops-collector new-token ID` makes both.")]
    hostname: Annotated[Annotated[str, Meta(min_length=1, max_length=253)] | None, Meta(description="The host this agent speaks for (its `host` label and Hello hostname). Default: the hostname of its first Hello; set it to move the agent to another host.")] = None
    devices: Annotated[list[str], Meta(description="Devices and clocks this agent polls, taken from any agent that reported them before (see proto/README.md, \"Identity\"). Others are owned by the first agent that reports them.")] = []


class GrpcConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    listen: Annotated[str, Meta(description="Address the agents' gRPC endpoint listens on.")] = "0.0.0.0:9717"
    tls_cert_file: Annotated[str | None, Meta(description="PEM certificate (chain) of the collector. Required unless `insecure` is set.")] = None
    tls_key_file: Annotated[str | None, Meta(description="PEM private key of `tls_cert_file`.")] = None
    insecure: Annotated[bool, Meta(description="Serve without TLS. Only for a loopback address; tokens would cross the network in clear.")] = False
    max_pending_samples: Annotated[int, Meta(ge=1000, description="Samples accepted but not yet stored beyond which batches get RESOURCE_EXHAUSTED and agents back off.")] = 2_000_000


class HttpConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    listen: Annotated[str, Meta(description="Address of the HTTP API and /metrics.")] = "127.0.0.1:9718"


class AdminToken(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, description="Who holds the token; recorded as the author of what it changes.")]
    token_sha256: Annotated[str, Meta(description="SHA-256 (hex) of the bearer token; `itops-collector new-token NAME` makes both.")]


class AuthConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    database: Annotated[str | None, Meta(description="SQLAlchemy URL of the users, API tokens, sessions and audit log, e.g. `postgresql+psycopg://itops@db/itops`. Default: SQLite file `users.sqlite3` in `data_dir`.")] = None
    session_ttl: Annotated[Duration, Meta(description="A console login lasts this long.")] = Duration(12 * 3600)
    require_login_for_reads: Annotated[bool, Meta(description="Every GET under /api/v1 (except health and login) needs a logged-in viewer. Incidents, users, audit and reports always do; /metrics never does.")] = False
    login_max_failures: Annotated[int, Meta(ge=1, description="Failed logins for one username within `login_failure_window` after which its logins are refused (HTTP 429) for `login_lockout`.")] = 5
    login_failure_window: Annotated[Duration, Meta(description="The window failed logins are counted in.")] = Duration(300)
    login_lockout: Annotated[Duration, Meta(description="How long logins stay refused after too many failures.")] = Duration(300)
    secure_cookie: Annotated[bool, Meta(description="Mark the session cookie Secure (only sent over HTTPS); set it when a TLS proxy fronts the collector.")] = False


class CollectorConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    data_dir: Annotated[str, Meta(description="Directory of the collector's own state (agent register, check results).")] = "/var/lib/itops-collector"
    grpc: Annotated[GrpcConfig, Meta(description="The endpoint agents send to.")] = msgspec.field(default_factory=GrpcConfig)
    http: Annotated[HttpConfig, Meta(description="The HTTP API.")] = msgspec.field(default_factory=HttpConfig)
    storage: Annotated[StorageConfigUnion, Meta(description="Time-series storage backend; `type` names it.")]  # type: ignore[valid-type]
    validation: Annotated[ValidationLimits, Meta(description="What a batch may contain.")] = msgspec.field(default_factory=ValidationLimits)
    agents: Annotated[list[AgentCredential], Meta(description="Agents allowed to send, with their token hashes.")] = []
    offline_after: Annotated[Duration, Meta(description="An agent not heard from for this long is shown offline.")] = Duration(120)
    admin_tokens: Annotated[list[AdminToken], Meta(description="Bearer tokens with the admin role over the HTTP API (for scripts; people log in as users).")] = []
    auth: Annotated[AuthConfig, Meta(description="Users, roles, login sessions and the audit log of the HTTP API.")] = msgspec.field(default_factory=AuthConfig)
    reports: Annotated[ReportsConfig, Meta(description="The monthly SLA report and the daily inspection report (need `alerting.incidents`).")] = msgspec.field(default_factory=ReportsConfig)
    alerting: Annotated[AlertingConfig | None, Meta(description="Alert rules, notifications, silences, maintenance and dependencies. Without it nothing is evaluated.")] = None
    assignments_file: Annotated[str | None, Meta(description="Central configuration: YAML file assigning inputs (devices, checks) to agents; re-read when it changes. See collector/assignments.py.")] = None
    check_history_retention: Annotated[Duration, Meta(description="Check results older than this are forgotten (the latest of each check is kept).")] = Duration(90 * 86400)


def load_collector_config(path: str) -> CollectorConfig:
    config = load_file(path, CollectorConfig, choices={"storage.type": list(SHIPPED_BACKENDS)}, check=_check)
    if not config.grpc.insecure and not (config.grpc.tls_cert_file and config.grpc.tls_key_file):
        raise ConfigError(path, None, "grpc", "needs tls_cert_file and tls_key_file (or insecure: true on loopback)")
    return config


def _check(config: CollectorConfig) -> None:
    """FieldProblem, which the loader turns into a ConfigError naming file, line and field."""
    _check_agents(config.agents)
    if config.alerting is not None:
        check_alerting(config.alerting)


def _check_agents(agents: list[AgentCredential]) -> None:
    """Ids are unique, and no host or device is given to two agents."""
    seen: set[str] = set()
    given_to: dict[tuple[str, str], str] = {}
    for index, agent in enumerate(agents):
        if agent.id in seen:
            raise FieldProblem(f"agents[{index}].id", f"agent {agent.id!r} is listed twice")
        seen.add(agent.id)
        if not _SHA256_RE.match(agent.token_sha256):
            raise FieldProblem(f"agents[{index}].token_sha256", "expected 64 lower-case hex digits (SHA-256)")
        claims = [(f"agents[{index}].hostname", "hostname", agent.hostname)] if agent.hostname else []
        claims += [(f"agents[{index}].devices[{i}]", "devices", device) for i, device in enumerate(agent.devices)]
        for field, kind, name in claims:
            owner = given_to.setdefault((kind, name), agent.id)
            if owner != agent.id:
                raise FieldProblem(field, f"{name!r} is already given to agent {owner!r}")


def users_database_url(config: CollectorConfig) -> str:
    """``auth.database``, or the SQLite file in ``data_dir`` (created when missing)."""
    if config.auth.database:
        return config.auth.database
    directory = Path(config.data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'users.sqlite3'}"
