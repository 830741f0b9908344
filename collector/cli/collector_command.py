"""``itops-collector run|check-config -c FILE``, ``new-token AGENT_ID``, ``init-tls DIR``,
``add-user -c FILE NAME --role R [--password-file F]``, ``new-api-token -c FILE USER NAME``,
``enroll-token -c FILE --agent-id ID [--expires 24h] | --list | --revoke-token ID``, ``revoke -c FILE AGENT_ID``,
``revoked -c FILE``."""

from __future__ import annotations

import argparse
import asyncio
import sys

from itops import __version__
from itops.collector.api.roles import Role
from itops.collector.cli.enrollment_commands import COMMANDS as ENROLLMENT_COMMANDS
from itops.collector.cli.enrollment_commands import add_enrollment_commands, run_enrollment_command
from itops.common.command_line import (
    load_config_or_report,
    quiet_when_output_closes,
    setup_logging,
)
from itops.common.units import LANGUAGES

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="itops-collector", description="itops collector: receives agent batches, stores and serves them.")
    parser.add_argument("--version", action="version", version=f"itops-collector {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "run until SIGTERM/SIGINT"), ("check-config", "validate the config file and exit")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("-c", "--config", required=True, help="collector config file (YAML)")
        command.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    token = commands.add_parser("new-token", help="make a bearer token for an agent and print the config lines for both sides")
    token.add_argument("agent_id")
    tls = commands.add_parser("init-tls", help="write a private CA and a collector certificate (ca.pem, server.pem, server-key.pem)")
    tls.add_argument("directory")
    tls.add_argument("--host", action="append", required=True, help="name or IP the agents use to reach the collector (repeatable)")
    add_user = commands.add_parser("add-user", help="create a user of the HTTP API and console (e.g. the first admin)")
    add_user.add_argument("-c", "--config", required=True, help="collector config file (YAML)")
    add_user.add_argument("username")
    add_user.add_argument("--role", required=True, choices=[role.value for role in Role])
    add_user.add_argument("--display-name")
    add_user.add_argument("--language", default="zh-CN", choices=LANGUAGES)
    add_user.add_argument("--password-file", help="file holding the password (default: read it from stdin)")
    api_token = commands.add_parser("new-api-token", help="make an API token for a user and print it (shown once)")
    api_token.add_argument("-c", "--config", required=True, help="collector config file (YAML)")
    api_token.add_argument("username")
    api_token.add_argument("name", help="what the token is for, e.g. backup-script")
    add_enrollment_commands(commands)
    return parser


@quiet_when_output_closes
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "new-token":
        return _new_token(args.agent_id)
    if args.command == "init-tls":
        from itops.collector.ingest.tls import write_ca_and_server_certificate
        from itops.common.clock import utc_now

        for kind, path in write_ca_and_server_certificate(args.directory, args.host, utc_now()).items():
            print(f"{kind}: {path}")
        return 0
    setup_logging(getattr(args, "log_level", "warning"))
    from itops.collector.config import load_collector_config

    config = load_config_or_report("itops-collector", load_collector_config, args.config)
    if config is None:
        return 2
    if args.command in ("add-user", "new-api-token"):
        return _manage_users(args, config)
    if args.command in ENROLLMENT_COMMANDS:
        from itops.common.clock import utc_now

        return run_enrollment_command(args, config, utc_now())
    if args.command == "check-config":
        from itops.collector.ingest.assignments import AssignmentsFile

        if load_config_or_report("itops-collector", AssignmentsFile, config.assignments_file) is None:
            return 2
        print(f"{args.config}: OK ({len(config.agents)} agents, storage {config.storage.__struct_config__.tag})")
        return 0
    from itops.collector.server import Collector

    asyncio.run(Collector(config, config_path=args.config).run(ready=_announce))
    return 0


def _announce(collector) -> None:
    # Tests and the demo read this line to learn the ports when the config asked for port 0.
    mtls = f" mtls={collector.mtls_address}" if collector.mtls_address else ""
    print(f"itops-collector ready grpc={collector.grpc_address} http={collector.http_address}{mtls}", flush=True)


def _new_token(agent_id: str) -> int:
    from itops.collector.ingest.agent_credentials import new_token, token_sha256

    token = new_token()
    print(f"# agent side: put the token in the agent's token_file (mode 0600):\n{token}\n")
    print(f"# collector side, under agents:\n  - id: {agent_id}\n    token_sha256: {token_sha256(token)}")
    return 0


def _manage_users(args, config) -> int:
    from itops.collector.api.user_store import NoSuchUser, UserError, UserStore
    from itops.collector.config import users_database_url
    from itops.common.clock import utc_now

    users = UserStore.open(users_database_url(config))
    now = utc_now()
    try:
        if args.command == "add-user":
            password = _read_password(args.password_file)
            user = users.add_user(args.username, password=password, role=args.role, at=now,
                                  display_name=args.display_name, language=args.language)
            print(f"user {user.username} ({user.role.value}) added")
        else:
            token, secret = users.create_token(args.username, args.name, now)
            print(f"# API token {token.id} of {token.username} ({token.name}); shown this once:\n{secret}")
        return 0
    except (UserError, NoSuchUser) as exc:
        print(f"itops-collector: {exc}", file=sys.stderr)
        return 2
    finally:
        users.close()


def _read_password(path: str | None) -> str:
    if path is not None:
        with open(path, encoding="utf-8") as file:
            return file.read().rstrip("\r\n")
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


if __name__ == "__main__":
    sys.exit(main())
