"""The collector's config file (YAML), as typed models. docs/configuration.md is generated from these."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Union

import msgspec
from msgspec import Meta

from itops.alerting.config import AlertingConfig, check_alerting
from itops.collector.ingest.agent_credentials import AgentCredential, check_agent_credentials
from itops.collector.ingest.batch_size import receive_limit_bytes
from itops.collector.ingest.validation_limits import ValidationLimits
from itops.collector.outputs import OUTPUTS
from itops.collector.reports.config import ReportsConfig
from itops.collector.storage import STORAGE_BACKENDS
from itops.common.yaml_config import ByteSize, ConfigError, Duration, FieldProblem, load_file

__all__ = ["AuthConfig", "CollectorConfig", "HttpConfig", "GrpcConfig", "MetricsConfig", "load_collector_config",
           "users_database_url"]

StorageConfigUnion = Union[STORAGE_BACKENDS.config_models()]  # type: ignore[valid-type]
OutputConfigUnion = Union[OUTPUTS.config_models()]  # type: ignore[valid-type]


class GrpcConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    listen: Annotated[str, Meta(description="Address the agents' gRPC endpoint listens on.")] = "0.0.0.0:9717"
    tls_cert_file: Annotated[str | None, Meta(description="PEM certificate (chain) of the collector. Required unless `insecure` is set.")] = None
    tls_key_file: Annotated[str | None, Meta(description="PEM private key of `tls_cert_file`.")] = None
    insecure: Annotated[bool, Meta(description="Serve without TLS. Only for a loopback address; tokens would cross the network in clear.")] = False
    max_pending_samples: Annotated[int, Meta(ge=1000, description="Samples accepted but not yet stored beyond which batches get RESOURCE_EXHAUSTED and agents back off.")] = 2_000_000
    max_calls_per_agent: Annotated[int, Meta(ge=1, description="Most calls (Push, Hello, GetAssignedInputs) one agent may have in flight; more get RESOURCE_EXHAUSTED before their message is read. An agent sends one at a time, and polls GetAssignedInputs beside it.")] = 4
    max_calls_in_flight: Annotated[int, Meta(ge=1, description="Most calls of all agents in flight together; more get RESOURCE_EXHAUSTED before their message is read and the agents back off (a fleet replaying its backlog after an outage).")] = 1024
    max_bytes_per_agent: Annotated[ByteSize, Meta(description="Most request bytes one agent may have in flight (read and not yet answered); more get RESOURCE_EXHAUSTED. At least the gRPC receive limit, which follows from `validation.max_samples_per_batch` (43 MiB at 100,000; see collector/ingest/batch_size.py).")] = ByteSize(128 * 2**20)
    max_bytes_in_flight: Annotated[ByteSize, Meta(description="Most request bytes of all agents in flight together; more get RESOURCE_EXHAUSTED. At least `max_bytes_per_agent`.")] = ByteSize(512 * 2**20)


MTLS_PORT = 9719


class EnrollmentConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    mtls: Annotated[bool, Meta(description="Serve the mTLS port, where enrolled agents send with the client certificate the collector's CA (`<data_dir>/ca/`) issued them. Needs `grpc` with TLS.")] = True
    mtls_listen: Annotated[str | None, Meta(description="Address of the mTLS port. Default: the host of `grpc.listen`, port 9719 (port 0, any free one, when `grpc.listen` says port 0).")] = None
    certificate_lifetime: Annotated[Duration, Meta(description="How long an agent certificate is valid; agents renew theirs over mTLS when a third of it is left.")] = Duration(90 * 86400)
    bearer_tokens: Annotated[bool, Meta(description="Accept the bearer tokens of `agents` on the `grpc` port (Enroll is served there either way). Keep it on while agents move to certificates; new installations turn it off.")] = True


def mtls_listen(config: CollectorConfig) -> str | None:
    """Where the mTLS port listens; None when there is none."""
    if not config.enrollment.mtls or config.grpc.insecure:
        return None
    if config.enrollment.mtls_listen is not None:
        return config.enrollment.mtls_listen
    host, port = config.grpc.listen.rsplit(":", 1)
    return f"{host}:{0 if port == '0' else MTLS_PORT}"


class HttpConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    listen: Annotated[str, Meta(description="Address of the HTTP API and /metrics.")] = "127.0.0.1:9718"


class MetricsConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    self_sample_interval: Annotated[Duration, Meta(description="How often the collector stores its own /metrics (its own figures and the fleet figures that name no host or device) as the series of agent `itops-collector`, which the outputs, /metrics/fleet and the rules then see like an agent's.")] = Duration(15)
    fleet_stale_after: Annotated[Duration, Meta(description="/metrics/fleet leaves out a series with no sample for this long, so it drops out of Prometheus (whose lookback is 5 minutes by default) as a vanished series does.")] = Duration(300)

    def __post_init__(self):
        for name in ("self_sample_interval", "fleet_stale_after"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: must be more than 0s")


class AdminToken(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, description="Who holds the token; recorded as the author of what it changes.")]
    token_sha256: Annotated[str, Meta(description="SHA-256 (hex) of the bearer token; `itops-collector new-token NAME` makes both.")]


class AuthConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    database: Annotated[str | None, Meta(description="SQLAlchemy URL of the users, API tokens, sessions and audit log, e.g. `postgresql+psycopg://itops@db/itops`. Default: SQLite file `users.sqlite3` in `data_dir`.")] = None
    session_ttl: Annotated[Duration, Meta(description="A console login lasts this long.")] = Duration(12 * 3600)
    require_login_for_reads: Annotated[bool, Meta(description="Every GET under /api/v1 (except health and login), and /metrics/fleet, needs a logged-in viewer or an API token. Incidents, users, audit and reports always do; /metrics never does.")] = False
    login_backoff_after: Annotated[int, Meta(ge=1, description="Failed logins of one username from one client address after which that address must wait before its next login (HTTP 429 with Retry-After): `login_backoff_initial`, doubling with each further failure up to `login_backoff_max`. Other addresses are not slowed, so nobody can lock a user out.")] = 5
    login_client_backoff_after: Annotated[int, Meta(ge=1, description="Failed logins from one client address, whatever the usernames, after which that address is slowed the same way (against trying many usernames).")] = 20
    login_backoff_initial: Annotated[Duration, Meta(description="The first wait after too many failed logins.")] = Duration(1)
    login_backoff_max: Annotated[Duration, Meta(description="The longest wait between failed logins.")] = Duration(900)
    login_failures_forgotten_after: Annotated[Duration, Meta(description="An address's failed logins count from zero again after this long without one (a login with the right password forgets its failures for that username at once). The counts are kept in `database`, so a restart keeps them.")] = Duration(3600)
    audit_retention: Annotated[Duration, Meta(description="Audit entries older than this are forgotten (checked every 10 minutes).")] = Duration(400 * 86400)
    audit_anonymous_per_client: Annotated[int, Meta(ge=1, description="Audit entries written for changing calls from one client address without a login (refused calls, logins) within `audit_anonymous_window`; further ones are only counted in the metric itops_collector_audit_entries_dropped_total.")] = 100
    audit_anonymous_window: Annotated[Duration, Meta(description="The window `audit_anonymous_per_client` counts in.")] = Duration(3600)
    secure_cookie: Annotated[bool, Meta(description="Mark the session cookie Secure (only sent over HTTPS); set it when a TLS proxy fronts the collector.")] = False
    login_max_failures: Annotated[Annotated[int, Meta(ge=1)] | None, Meta(description="Deprecated name of `login_backoff_after` (the hard lock-out it set is gone); still read.")] = None
    login_failure_window: Annotated[Duration | None, Meta(description="Deprecated name of `login_failures_forgotten_after`; still read.")] = None
    login_lockout: Annotated[Duration | None, Meta(description="Deprecated name of `login_backoff_max`; still read.")] = None

    def __post_init__(self):
        for old, new in _RENAMED_AUTH_OPTIONS.items():
            value = getattr(self, old)
            if value is None:
                continue
            if getattr(self, new) != _default_of(AuthConfig, new):
                raise ValueError(f"{old}: deprecated name of {new}; give only {new}")
            setattr(self, new, value)
            setattr(self, old, None)


def _default_of(struct: type[msgspec.Struct], name: str):
    return next(field.default for field in msgspec.structs.fields(struct) if field.name == name)


_RENAMED_AUTH_OPTIONS = {"login_max_failures": "login_backoff_after",
                         "login_failure_window": "login_failures_forgotten_after",
                         "login_lockout": "login_backoff_max"}


class CollectorConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    data_dir: Annotated[str, Meta(description="Directory of the collector's own state (agent register, check results).")] = "/var/lib/itops-collector"
    grpc: Annotated[GrpcConfig, Meta(description="The endpoint agents send to.")] = msgspec.field(default_factory=GrpcConfig)
    http: Annotated[HttpConfig, Meta(description="The HTTP API.")] = msgspec.field(default_factory=HttpConfig)
    storage: Annotated[StorageConfigUnion, Meta(description="Time-series storage backend; `type` names it.")]  # type: ignore[valid-type]
    validation: Annotated[ValidationLimits, Meta(description="What a batch may contain.")] = msgspec.field(default_factory=ValidationLimits)
    agents: Annotated[list[AgentCredential], Meta(description="Agents allowed to send, with their token hashes (bearer tokens; see `enrollment` for certificates), and the host and devices each speaks for.")] = []
    enrollment: Annotated[EnrollmentConfig, Meta(description="Agent enrollment: one-time tokens, the collector's CA for agent certificates, the mTLS port.")] = msgspec.field(default_factory=EnrollmentConfig)
    offline_after: Annotated[Duration, Meta(description="An agent not heard from for this long is shown offline.")] = Duration(120)
    admin_tokens: Annotated[list[AdminToken], Meta(description="Bearer tokens with the admin role over the HTTP API (for scripts; people log in as users).")] = []
    metrics: Annotated[MetricsConfig, Meta(description="The collector's own metrics: storing them as a batch of its own, and the fleet endpoint /metrics/fleet for Prometheus.")] = msgspec.field(default_factory=MetricsConfig)
    auth: Annotated[AuthConfig, Meta(description="Users, roles, login sessions and the audit log of the HTTP API.")] = msgspec.field(default_factory=AuthConfig)
    reports: Annotated[ReportsConfig, Meta(description="The monthly SLA report and the daily inspection report (need `alerting.incidents`).")] = msgspec.field(default_factory=ReportsConfig)
    alerting: Annotated[AlertingConfig | None, Meta(description="Alert rules, notifications, silences, maintenance and dependencies. Without it nothing is evaluated.")] = None
    assignments_file: Annotated[str | None, Meta(description="Central configuration: YAML file assigning inputs (devices, checks) to agents; re-read when it changes. See collector/ingest/assignments.py.")] = None
    check_history_retention: Annotated[Duration, Meta(description="Check results older than this are forgotten (the latest of each check is kept).")] = Duration(90 * 86400)
    outputs: Annotated[list[OutputConfigUnion], Meta(description="Where else the stored samples go (InfluxDB, VictoriaMetrics), `type` names each; the embedded store keeps serving the console, rules and reports.")] = []  # type: ignore[valid-type]


def load_collector_config(path: str) -> CollectorConfig:
    config = load_file(path, CollectorConfig, choices={"storage.type": list(STORAGE_BACKENDS.names()),
                                                        "outputs[].type": list(OUTPUTS.names())}, check=_check)
    if not config.grpc.insecure and not (config.grpc.tls_cert_file and config.grpc.tls_key_file):
        raise ConfigError(path, None, "grpc", "needs tls_cert_file and tls_key_file (or insecure: true on loopback)")
    _check_byte_caps(path, config)
    return config


def _check_byte_caps(path: str, config: CollectorConfig) -> None:
    """A byte cap smaller than the largest batch an agent may send would refuse that batch for ever."""
    caps, largest_batch = config.grpc, receive_limit_bytes(config.validation)
    if caps.max_bytes_per_agent < largest_batch:
        raise ConfigError(path, None, "grpc.max_bytes_per_agent",
                          f"is smaller than the gRPC receive limit, {largest_batch} bytes for "
                          f"validation.max_samples_per_batch {config.validation.max_samples_per_batch}")
    if caps.max_bytes_in_flight < caps.max_bytes_per_agent:
        raise ConfigError(path, None, "grpc.max_bytes_in_flight", "is smaller than grpc.max_bytes_per_agent")


def _check(config: CollectorConfig) -> None:
    """FieldProblem, which the loader turns into a ConfigError naming file, line and field."""
    check_agent_credentials(config.agents)
    _check_output_names(config)
    if config.alerting is not None:
        check_alerting(config.alerting)


def _check_output_names(config: CollectorConfig) -> None:
    seen: set[str] = set()
    for index, output in enumerate(config.outputs):
        if output.output_name in seen:
            raise FieldProblem(f"outputs[{index}].name", f"another output is named {output.output_name!r}; "
                                                         "give each a name of its own")
        seen.add(output.output_name)


def users_database_url(config: CollectorConfig) -> str:
    """``auth.database``, or the SQLite file in ``data_dir`` (created when missing)."""
    if config.auth.database:
        return config.auth.database
    directory = Path(config.data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'users.sqlite3'}"
