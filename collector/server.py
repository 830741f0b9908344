"""The running collector: gRPC ingest, HTTP API and housekeeping on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import grpc
import msgspec
from aiohttp import web
from prometheus_client import CollectorRegistry

from itops.alerting.assembly import build_alerting
from itops.alerting.pipeline import AlertingPipeline
from itops.alerting.rules.model import Alert, AlertState
from itops.alerting.rules.observations import observed_batch
from itops.collector.api.access import AnonymousAuditLimit, access_middlewares
from itops.collector.api.app import build_http_app
from itops.collector.api.login_throttle import BackoffPolicy, LoginThrottle
from itops.collector.api.openapi import add_openapi_route
from itops.collector.api.routes.alerts import add_alerting_routes
from itops.collector.api.routes.enrollment import add_enrollment_routes
from itops.collector.api.routes.entities import add_entity_routes
from itops.collector.api.routes.entity_page import EntityPageSources, add_entity_page_routes
from itops.collector.api.routes.fleet_metrics import add_fleet_metrics_route
from itops.collector.api.routes.incidents import add_incident_routes
from itops.collector.api.routes.runbooks import add_runbook_routes
from itops.collector.api.routes.users import add_user_routes
from itops.collector.api.user_store import UserStore
from itops.collector.config import CollectorConfig, load_collector_config, mtls_listen, users_database_url
from itops.collector.console import add_console_routes
from itops.collector.ingest.admission import BearerTokens, IngestAdmission
from itops.collector.ingest.agent_credentials import TokenAuthenticator
from itops.collector.ingest.assignments import AssignmentsFile
from itops.collector.ingest.batch_size import receive_limit_bytes
from itops.collector.ingest.certificate_authority import CertificateAuthority
from itops.collector.ingest.client_certificates import ClientCertificates
from itops.collector.ingest.enrollment_service import ENROLL_METHOD, EnrollmentService
from itops.collector.ingest.identity import IdentityRegister
from itops.collector.ingest.in_flight import InFlightCaps, InFlightLedger
from itops.collector.ingest.self_metrics import CollectorMetrics
from itops.collector.ingest.self_sampling import SelfSampler
from itops.collector.ingest.service import (
    IngestService,
    StoredBatchListener,
    add_ingest_service,
)
from itops.collector.ingest.validation import BatchValidator, ValidBatch
from itops.collector.outputs import OUTPUTS
from itops.collector.outputs.base import Output
from itops.collector.outputs.metrics import OutputMetrics
from itops.collector.records.agent_register import AgentRegister
from itops.collector.records.coverage import FLUSH_PERIOD_S, CoverageLedger
from itops.collector.records.enrollment import EnrollmentStore
from itops.collector.records.entity_directory import EntityDirectory
from itops.collector.reports.fleet_figures import FleetFigures
from itops.collector.reports.service import Reporting
from itops.collector.storage import STORAGE_BACKENDS
from itops.common.clock import Clock, epoch_ms, epoch_seconds, utc_now
from itops.common.yaml_config import ConfigError
from itops.v1 import ingest_pb2_grpc

__all__ = ["Collector"]

log = logging.getLogger("itops.collector")

RETENTION_PERIOD_S = 600
LAST_SEEN_PERSIST_PERIOD_S = 5
REPORT_HISTORY_KEPT_DAYS = 400  # availability and noisy-device history: this year's and last year's same month
GRPC_SERVER_OPTIONS = [
    ("grpc.keepalive_permit_without_calls", 1),
    # With BDP probing gRPC grew each stream's flow-control window to about 3 MiB, read ahead even for a call
    # refused before its message is read: 96 such calls held 290 MiB. A message being read still gets the
    # window it needs to progress (chttp2's min_progress_size).
    ("grpc.http2.bdp_probe", 0),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 30_000),
    ("grpc.http2.max_ping_strikes", 0),
]


def alert_feed(pipeline: AlertingPipeline, labels_of: Callable[[str], tuple[str, dict[str, str]]],
               clock: Clock) -> StoredBatchListener:
    """Rule evaluation as a listener of stored batches: the series and checks the rules watch, stamped when seen."""
    def observe(agent_id: str, batch: ValidBatch) -> None:
        pipeline.observe(observed_batch(agent_id, epoch_ms(clock), batch, labels_of, pipeline.wants_metric,
                                        pipeline.wants_check))
    return observe


class Collector:
    """``clock`` is the one every component asks what time it is (tests give a fixed or fake one)."""

    def __init__(self, config: CollectorConfig, clock: Clock = utc_now, config_path: str | None = None):
        """``config_path``: the file SIGHUP reloads (see ``reload``)."""
        self.config = config
        self.config_path = config_path
        self.clock = clock
        self.metrics = CollectorMetrics(CollectorRegistry())
        backend_class = STORAGE_BACKENDS.implementation_class(config.storage.__struct_config__.tag)
        self.storage = backend_class(config.storage, on_commit=self._observe_commit, clock=clock)
        self.output_metrics = OutputMetrics(self.metrics.registry)
        self.outputs: list[Output] = []
        self.state = AgentRegister(config.data_dir)
        self.enrollment = EnrollmentStore(config.data_dir)
        self.bearer_tokens = BearerTokens(TokenAuthenticator(config.agents), config.enrollment.bearer_tokens)
        self.identity = IdentityRegister(config.agents, self.state)
        self.users = UserStore.open(users_database_url(config))
        self.assignments = AssignmentsFile(config.assignments_file)
        self.coverage = CoverageLedger(Path(config.data_dir) / "coverage.sqlite3")
        self.alerting = (build_alerting(config.alerting, str(Path(config.data_dir) / "alerting"), self.clock,
                                        self.metrics.registry)
                         if config.alerting is not None else None)
        self.entities = EntityDirectory(
            self.storage, self.state, config.offline_after,
            firing_alert_labels=lambda: [alert.labels for alert in self._firing_alerts()],
            clock=epoch_seconds(clock))
        self.reporting = (Reporting(config.reports, config.data_dir, self.alerting, self.coverage, self.storage,
                                    self.state, self.entities, clock)
                          if self.alerting is not None and self.alerting.incidents is not None else None)
        self.fleet_figures = FleetFigures(self.metrics, self.state, self.entities, self.storage, config.offline_after,
                                          self.alerting, config.reports.time_zone, clock)
        self.metrics.registry.register(self.fleet_figures)
        self.grpc_port: int | None = None
        self.http_port: int | None = None
        self._grpc_servers: list[grpc.aio.Server] = []
        self.mtls_port: int | None = None
        self._http_runner: web.AppRunner | None = None
        self._housekeeping: list[asyncio.Task] = []

    def _observe_commit(self, seconds: float, _batches: int, _samples: int) -> None:
        self.metrics.storage_write_duration.observe(seconds)

    async def start(self) -> None:
        await self.storage.open()
        validator = BatchValidator(self.config.validation, clock=epoch_seconds(self.clock))
        listeners: dict[str, StoredBatchListener] = {"coverage": lambda _agent_id, batch: self.coverage.record_batch(batch)}
        if self.alerting is not None:
            listeners["alert evaluation"] = alert_feed(self.alerting.pipeline, validator.labels_of, self.clock)
        for output_config in self.config.outputs:
            output_class = OUTPUTS.implementation_class(output_config.__struct_config__.tag)
            output = output_class(output_config, self.output_metrics, clock=self.clock)
            await output.open()
            self.outputs.append(output)
            listeners[f"output {output_config.output_name}"] = output.accept
        ingest = IngestService(
            validator,
            self.storage,
            self.state,
            self.metrics,
            max_pending_samples=self.config.grpc.max_pending_samples,
            max_batch_samples=self.config.validation.max_samples_per_batch,
            assignments=self.assignments,
            identity=self.identity,
            listeners=listeners,
            clock=self.clock,
        )
        self.metrics.pending_samples.set_function(lambda: ingest.pending_samples)
        await self._start_grpc(ingest)
        await self._start_http()
        self._housekeeping = [
            asyncio.create_task(self._every(RETENTION_PERIOD_S, self.apply_retention)),
            asyncio.create_task(self._every(LAST_SEEN_PERSIST_PERIOD_S, self._persist_last_seen)),
            asyncio.create_task(self._every(FLUSH_PERIOD_S, self._flush_coverage)),
            asyncio.create_task(SelfSampler(self.metrics.registry, validator, self.storage, listeners, self.clock,
                                            self.fleet_figures.refresh).run(self.config.metrics.self_sample_interval)),
        ]
        if self.alerting is not None:
            self._housekeeping.append(asyncio.create_task(self.alerting.run(self.config.alerting.evaluation_interval)))
        if self.reporting is not None:
            self.reporting.scheduler.start()
        log.info("collector listening: grpc %s, http %s, storage %s", self.grpc_address, self.http_address,
                 self.config.storage.__struct_config__.tag)

    @property
    def grpc_address(self) -> str:
        return f"{self.config.grpc.listen.rsplit(':', 1)[0]}:{self.grpc_port}"

    @property
    def mtls_address(self) -> str | None:
        listen = mtls_listen(self.config)
        return None if self.mtls_port is None else f"{listen.rsplit(':', 1)[0]}:{self.mtls_port}"

    @property
    def http_address(self) -> str:
        return f"{self.config.http.listen.rsplit(':', 1)[0]}:{self.http_port}"

    async def _start_grpc(self, ingest: IngestService) -> None:
        """The token port (bearer tokens, and Enroll) and, with TLS, the mTLS port (client certificates)."""
        caps = self.config.grpc
        in_flight = InFlightLedger(InFlightCaps(caps.max_calls_per_agent, caps.max_calls_in_flight,
                                                caps.max_bytes_per_agent, caps.max_bytes_in_flight))
        self.metrics.calls_in_flight.set_function(lambda: in_flight.total.calls)
        self.metrics.request_bytes_in_flight.set_function(lambda: in_flight.total.bytes)
        enrollment = self._enrollment_service()
        tokens = IngestAdmission(self.bearer_tokens, in_flight, self.metrics, open_methods=frozenset({ENROLL_METHOD}))
        server = self._grpc_server_of(tokens, ingest, enrollment)
        if caps.insecure:
            self.grpc_port = server.add_insecure_port(caps.listen)
        else:
            self.grpc_port = server.add_secure_port(caps.listen, self._server_credentials())
        await server.start()
        self._grpc_servers.append(server)
        if enrollment is not None and mtls_listen(self.config) is not None:
            certificates = IngestAdmission(ClientCertificates(self.enrollment), in_flight, self.metrics)
            mtls = self._grpc_server_of(certificates, ingest, enrollment)
            self.mtls_port = mtls.add_secure_port(mtls_listen(self.config),
                                                  self._server_credentials(enrollment.ca_pem))
            await mtls.start()
            self._grpc_servers.append(mtls)

    def _grpc_server_of(self, admission: IngestAdmission, ingest: IngestService,
                        enrollment: EnrollmentService | None) -> grpc.aio.Server:
        receive_limit = ("grpc.max_receive_message_length", receive_limit_bytes(self.config.validation))
        server = grpc.aio.server(interceptors=[admission], options=[*GRPC_SERVER_OPTIONS, receive_limit])
        add_ingest_service(ingest, server)
        if enrollment is not None:
            ingest_pb2_grpc.add_EnrollmentServicer_to_server(enrollment, server)
        return server

    def _enrollment_service(self) -> EnrollmentService | None:
        """None without TLS: a token must not cross the network in clear."""
        if self.config.grpc.insecure:
            return None
        authority = CertificateAuthority.open(Path(self.config.data_dir) / "ca", self.clock())
        return EnrollmentService(authority, self.enrollment, timedelta(seconds=self.config.enrollment.certificate_lifetime),
                                 self.clock)

    def _server_credentials(self, client_ca_pem: str | None = None) -> grpc.ServerCredentials:
        """The collector's certificate; with ``client_ca_pem``, requiring a client certificate it issued."""
        with open(self.config.grpc.tls_key_file, "rb") as key, open(self.config.grpc.tls_cert_file, "rb") as cert:
            pair = [(key.read(), cert.read())]
        if client_ca_pem is None:
            return grpc.ssl_server_credentials(pair)
        return grpc.ssl_server_credentials(pair, root_certificates=client_ca_pem.encode(), require_client_auth=True)

    async def _start_http(self) -> None:
        auth = self.config.auth
        anonymous_audit = AnonymousAuditLimit(auth.audit_anonymous_per_client,
                                              timedelta(seconds=auth.audit_anonymous_window),
                                              self.metrics.audit_entries_dropped.inc)
        middlewares = access_middlewares(self.users, {t.token_sha256: t.name for t in self.config.admin_tokens},
                                         auth.require_login_for_reads, self.clock, anonymous_audit)
        time_zone = self.config.alerting.time_zone if self.config.alerting is not None else "Asia/Shanghai"
        app = build_http_app(self.storage, self.state, self.metrics, self.config.offline_after,
                             self.config.storage.__struct_config__.tag, time_zone=time_zone, middlewares=middlewares,
                             clock=epoch_seconds(self.clock), refresh_figures=self.fleet_figures.refresh)
        add_fleet_metrics_route(app, self.storage, self.config.metrics.fleet_stale_after, auth.require_login_for_reads,
                                epoch_seconds(self.clock))
        throttle = LoginThrottle(self.users.engine, BackoffPolicy(
            auth.login_backoff_after, auth.login_client_backoff_after, timedelta(seconds=auth.login_backoff_initial),
            timedelta(seconds=auth.login_backoff_max), timedelta(seconds=auth.login_failures_forgotten_after)))
        add_user_routes(app, self.users, throttle, timedelta(seconds=auth.session_ttl), auth.secure_cookie, self.clock)
        if self.alerting is not None:
            add_alerting_routes(app, self.alerting, self.clock, entity_links=self.entities.links_of)
            if self.alerting.incidents is not None:
                add_incident_routes(app, self.alerting.incidents, self.alerting.sla, self.alerting.maintenance,
                                    self.clock, asset_first_seen=self.entities.first_seen,
                                    firing=self._firing_fingerprints)
        add_entity_routes(app, self.entities)
        add_enrollment_routes(app, self.enrollment, epoch_seconds(self.clock))
        add_entity_page_routes(app, EntityPageSources(self.entities, self.storage, self.state, self.alerting,
                                                      self.config.offline_after, time_zone, epoch_seconds(self.clock)))
        add_runbook_routes(app, self.alerting)
        if self.reporting is not None:
            self.reporting.add_routes(app)
        add_openapi_route(app)
        add_console_routes(app)
        self._http_runner = web.AppRunner(app, access_log=None)
        await self._http_runner.setup()
        host, port = self.config.http.listen.rsplit(":", 1)
        site = web.TCPSite(self._http_runner, host, int(port))
        await site.start()
        self.http_port = self._http_runner.addresses[0][1]

    def _firing_alerts(self) -> list[Alert]:
        if self.alerting is None:
            return []
        return [alert for alert in self.alerting.pipeline.evaluator.alerts() if alert.state is AlertState.FIRING]

    def _firing_fingerprints(self) -> set[str]:
        return {alert.fingerprint for alert in self._firing_alerts()}

    async def _every(self, period_s: float, job) -> None:
        while True:
            await asyncio.sleep(period_s)
            try:
                await job()
            except Exception:  # noqa: BLE001 - housekeeping must outlive one bad round
                log.exception("housekeeping job %s failed", job.__name__)

    async def apply_retention(self) -> None:
        """Drop samples, check results, coverage days, alert episodes and audit entries older than they are kept, by ``clock``."""
        now_ms = epoch_ms(self.clock)
        dropped = await self.storage.apply_retention(now_ms)
        forgotten = await asyncio.to_thread(
            self.state.prune_check_results, now_ms - int(self.config.check_history_retention * 1000))
        report_cutoff = self.clock() - timedelta(days=REPORT_HISTORY_KEPT_DAYS)
        forgotten += await asyncio.to_thread(self.coverage.prune, report_cutoff)
        if self.alerting is not None:
            forgotten += await asyncio.to_thread(self.alerting.history.prune, report_cutoff)
        forgotten += await asyncio.to_thread(
            self.users.prune_audit, self.clock() - timedelta(seconds=self.config.auth.audit_retention))
        if dropped or forgotten:
            log.info("retention dropped %d samples and %d check results, coverage days, alert episodes and audit entries",
                     dropped, forgotten)

    async def _persist_last_seen(self) -> None:
        await asyncio.to_thread(self.state.persist_last_seen)

    async def _flush_coverage(self) -> None:
        await asyncio.to_thread(self.coverage.flush)

    async def stop(self) -> None:
        if self.reporting is not None:
            self.reporting.scheduler.stop()
        for task in self._housekeeping:
            task.cancel()
        await asyncio.gather(*self._housekeeping, return_exceptions=True)
        await asyncio.gather(*(server.stop(grace=5) for server in self._grpc_servers))
        if self._http_runner is not None:
            await self._http_runner.cleanup()
        await self.storage.close()
        for output in self.outputs:
            await output.close()
        self.state.close()
        self.enrollment.close()
        self.coverage.close()
        self.users.close()
        log.info("collector stopped")

    async def reload(self) -> None:
        """SIGHUP: read the config file again and apply what can change while running — the agents' bearer tokens
        and the host and devices each speaks for (`agents`), `enrollment.bearer_tokens` — and the alert rule files.
        A file with an error changes nothing. Everything else (addresses, TLS, storage, outputs, alerting's other
        settings, reports, auth) needs a restart; the log names the sections that changed and wait for it.
        Enrollment tokens and revocations need neither: they are read from the data directory at each call."""
        if self.config_path is None:
            log.warning("SIGHUP: no config file to reload")
            return
        try:
            fresh = await asyncio.to_thread(load_collector_config, self.config_path)
        except (ConfigError, OSError) as exc:
            log.error("SIGHUP: config not reloaded, the running one stays in force: %s", exc)
            return
        self.bearer_tokens.tokens = TokenAuthenticator(fresh.agents)
        self.bearer_tokens.enabled = fresh.enrollment.bearer_tokens
        self.identity.update_credentials(fresh.agents)
        if self.alerting is not None:
            self.alerting.reload_rules_if_changed()
        waiting = _changed_sections(self.config, fresh) - RELOADED_SECTIONS
        self.config = msgspec.structs.replace(self.config, agents=fresh.agents, enrollment=msgspec.structs.replace(
            self.config.enrollment, bearer_tokens=fresh.enrollment.bearer_tokens))
        log.info("SIGHUP: config reloaded (%d agents, bearer tokens %s)%s", len(fresh.agents),
                 "on" if fresh.enrollment.bearer_tokens else "off",
                 f"; these changes need a restart: {', '.join(sorted(waiting))}" if waiting else "")

    async def run(self, ready=None) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))
        await self.start()
        if ready is not None:
            ready(self)
        with contextlib.suppress(asyncio.CancelledError):
            await stop.wait()
        await self.stop()


RELOADED_SECTIONS = frozenset({"agents"})


def _changed_sections(running: CollectorConfig, fresh: CollectorConfig) -> set[str]:
    """The top-level sections of the config whose values differ (``enrollment`` but for ``bearer_tokens``)."""
    def plain(config: CollectorConfig) -> dict:
        sections = msgspec.to_builtins(config, enc_hook=str)
        sections["enrollment"] = {k: v for k, v in sections.get("enrollment", {}).items() if k != "bearer_tokens"}
        return sections
    before, after = plain(running), plain(fresh)
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
