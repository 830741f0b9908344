"""``itops-agent run|check-config|once -c FILE``."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import logging
import os
import signal
import sys

from itops import __version__
from itops.agent.batcher import GatherResult
from itops.agent.config import AgentConfig, load_agent_config
from itops.common.command_line import load_config_or_report, quiet_when_output_closes, setup_logging
from itops.common.clock import epoch_now

__all__ = ["main"]

RATE_WINDOW_S = 1.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="itops-agent", description="itops agent: gathers metrics and checks and sends them to the collector.")
    parser.add_argument("--version", action="version", version=f"itops-agent {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("run", "run the agent until SIGTERM/SIGINT"),
        ("check-config", "validate the config file and exit"),
        ("once", f"gather every input once (twice, {RATE_WINDOW_S:g}s apart, so rates show) and print what would be sent"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("-c", "--config", required=True, help="agent config file (YAML)")
        command.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    enroll = commands.add_parser("enroll", help="make this agent's key and get its certificate from the collector "
                                                "with a one-time token (`itops-collector enroll-token`)")
    enroll.add_argument("-c", "--config", required=True, help="agent config file (YAML)")
    enroll.add_argument("--token", help="the one-time enrollment token (or ITOPS_ENROLL_TOKEN)")
    enroll.add_argument("--collector", help="the collector's token port, host:port (default: collector.address)")
    renew = commands.add_parser("renew", help="renew this agent's certificate over mTLS")
    renew.add_argument("-c", "--config", required=True, help="agent config file (YAML)")
    renew.add_argument("--if-due", action="store_true", help="only when a third of its lifetime or less is left")
    for command in (enroll, renew):
        command.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return parser


@quiet_when_output_closes
def main(argv: list[str] | None = None) -> int:
    stop_requested: list[int] = []
    # Until the agent's event loop takes over SIGTERM, remember it rather than die mid-start.
    signal.signal(signal.SIGTERM, lambda signum, _frame: stop_requested.append(signum))
    args = _parser().parse_args(argv)
    setup_logging(args.log_level)
    if args.log_level != "debug":  # the scheduler's "Running job …" twice per input and interval is noise
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    enrolling = args.command in ("enroll", "renew")
    config = load_config_or_report("itops-agent", lambda path: load_agent_config(path, enrolling), args.config)
    if config is None:
        return 2
    if enrolling:
        return _enroll_or_renew(args, config)
    if args.command == "check-config":
        print(f"{args.config}: OK ({len(config.inputs)} inputs, collector {config.collector.address})")
        return 0
    if args.command == "once":
        return asyncio.run(_once(config))
    from itops.agent.service import Agent

    renew_command = [sys.executable, "-m", "itops.agent.cli", "renew", "--if-due", "-c", args.config]
    asyncio.run(Agent(config, clock=epoch_now, renew_command=renew_command).run(
        stop_requested=lambda: bool(stop_requested)))
    return 0


def _enroll_or_renew(args: argparse.Namespace, config: AgentConfig) -> int:
    import datetime

    import msgspec

    from itops.agent.enrollment import EnrollmentFailed, enroll, renew

    try:
        if args.command == "renew":
            not_after_ms = renew(config, datetime.datetime.now(datetime.UTC), args.if_due)
            if not_after_ms is None:
                print("itops-agent: the certificate is not due for renewal")
                return 0
        else:
            token = args.token or os.environ.get("ITOPS_ENROLL_TOKEN")
            if not token:
                print("itops-agent enroll: give --token (or ITOPS_ENROLL_TOKEN)", file=sys.stderr)
                return 2
            if args.collector:
                config = msgspec.structs.replace(config, collector=msgspec.structs.replace(
                    config.collector, address=args.collector))
            not_after_ms = enroll(config, token)
    except (EnrollmentFailed, OSError) as exc:
        print(f"itops-agent {args.command}: {exc}", file=sys.stderr)
        return 1
    certificate, key = config.certificate_paths()
    expiry = datetime.datetime.fromtimestamp(not_after_ms / 1000, datetime.UTC).isoformat(timespec="seconds")
    print(f"agent {config.resolved_agent_id()}: certificate {certificate} (key {key}), valid until {expiry}; "
          f"the agent now sends to {config.resolved_mtls_address()}")
    return 0


async def _once(config: AgentConfig) -> int:
    from itops.agent.service import build_runners, close_inputs

    results: list[GatherResult] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(config.inputs))) as executor:
        runners = build_runners(config, config.inputs, executor, results.append, epoch_now)
        try:
            await asyncio.gather(*(runner.run_once() for runner in runners))
            await asyncio.sleep(RATE_WINDOW_S)
            results.clear()
            await asyncio.gather(*(runner.run_once() for runner in runners))
        finally:  # an input with an event loop of its own (SNMP) ends its tasks, not the garbage collector
            await close_inputs(runners)
    for result in results:
        _print_result(result)
    failed = [runner.health for runner in runners if not runner.health.up]
    for health in failed:
        print(f"# input {health.name} FAILED: {health.last_error}")
    return 1 if failed else 0


def _readable(value: float) -> str:
    """Whole numbers in full (byte counts), others to six significant digits."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"


def _print_result(result: GatherResult) -> None:
    from itops.series_key import format_series_key
    from itops.v1 import ingest_pb2

    for name, labels, value, timestamp_ms in sorted(result.samples, key=lambda s: (s[0], sorted(s[1].items()))):
        print(f"{format_series_key(name, labels)} {_readable(value)} {timestamp_ms}")
    for check in result.checks:
        status = ingest_pb2.CheckStatus.Name(check.status).removeprefix("CHECK_STATUS_")
        print(f"check {check.check} {check.target}: {status} {check.message} ({check.duration_seconds:.3f}s)")
    if result.inventory is not None:
        print(f"inventory: {result.inventory}")


if __name__ == "__main__":
    sys.exit(main())
