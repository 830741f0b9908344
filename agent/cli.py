"""``itops-agent run|check-config|once -c FILE``."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import logging
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
    config = load_config_or_report("itops-agent", load_agent_config, args.config)
    if config is None:
        return 2
    if args.command == "check-config":
        print(f"{args.config}: OK ({len(config.inputs)} inputs, collector {config.collector.address})")
        return 0
    if args.command == "once":
        return asyncio.run(_once(config))
    from itops.agent.service import Agent

    asyncio.run(Agent(config, clock=epoch_now).run(stop_requested=lambda: bool(stop_requested)))
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
