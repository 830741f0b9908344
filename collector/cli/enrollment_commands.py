"""``itops-collector enroll-token``, ``revoke`` and ``revoked``: enrollment tokens and certificate revocation,
written to the collector's data directory, where a running collector sees them at its next call."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line loads what a command needs when it runs
    from itops.collector.config import CollectorConfig
    from itops.collector.records.enrollment import EnrollmentStore

__all__ = ["add_enrollment_commands", "run_enrollment_command"]

COMMANDS = ("enroll-token", "revoke", "revoked")


def add_enrollment_commands(commands) -> None:
    token = commands.add_parser("enroll-token", help="make a one-time enrollment token for an agent (or list them, "
                                                     "or revoke an unused one)")
    token.add_argument("-c", "--config", required=True, help="collector config file (YAML)")
    token.add_argument("--agent-id", help="the agent the token enrolls")
    token.add_argument("--expires", default="24h", help="how long the token may be used (default 24h)")
    token.add_argument("--list", action="store_true", help="list the tokens (their ids, never the tokens)")
    token.add_argument("--revoke-token", metavar="TOKEN_ID", help="revoke an unused token by its listed id")
    revoke = commands.add_parser("revoke", help="revoke every certificate of an agent, effective at its next call")
    revoke.add_argument("-c", "--config", required=True, help="collector config file (YAML)")
    revoke.add_argument("agent_id")
    revoked = commands.add_parser("revoked", help="list the revoked certificates")
    revoked.add_argument("-c", "--config", required=True, help="collector config file (YAML)")


def run_enrollment_command(args: argparse.Namespace, config: CollectorConfig, now: datetime) -> int:
    from itops.collector.records.enrollment import EnrollmentStore

    store = EnrollmentStore(config.data_dir)
    now_ms = int(now.timestamp() * 1000)
    try:
        if args.command == "revoke":
            count = store.revoke_agent(args.agent_id, now_ms)
            print(f"agent {args.agent_id}: {count} certificates revoked; its calls are refused from now on")
            return 0
        if args.command == "revoked":
            for record in store.certificates(revoked_only=True):
                print(f"{record.agent_id}\tserial {record.serial}\trevoked {_time(record.revoked_ms)}")
            return 0
        return _enroll_token(args, store, now_ms)
    finally:
        store.close()


def _enroll_token(args: argparse.Namespace, store: EnrollmentStore, now_ms: int) -> int:
    from itops.collector.ingest.enrollment_service import check_agent_id
    from itops.common.yaml_config import parse_duration

    if args.list:
        for token in store.tokens():
            state = ("used " + _time(token.used_ms) if token.used_ms else "revoked" if token.revoked_ms
                     else "expired" if token.expires_ms <= now_ms else "expires " + _time(token.expires_ms))
            print(f"{token.as_json()['id']}\t{token.agent_id}\t{state}")
        return 0
    if args.revoke_token:
        if not store.revoke_token(args.revoke_token, now_ms):
            print(f"itops-collector: no unused token {args.revoke_token!r}", file=sys.stderr)
            return 2
        print(f"token {args.revoke_token} revoked")
        return 0
    problem = check_agent_id(args.agent_id or "") if args.agent_id else "give --agent-id (or --list)"
    try:
        lifetime_ms = int(parse_duration(args.expires) * 1000)
    except ValueError as exc:
        problem = problem or f"--expires: {exc}"
    if problem:
        print(f"itops-collector enroll-token: {problem}", file=sys.stderr)
        return 2
    token, _ = store.create_token(args.agent_id, now_ms, lifetime_ms, "cli")
    print(f"# one-time enrollment token for agent {args.agent_id}, valid until {_time(now_ms + lifetime_ms)}; on the "
          f"agent: itops-agent enroll -c /etc/itops/agent.yaml --token …\n{token}")
    return 0


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")
