"""Users, roles, sessions, API tokens, the audit log and the login rate limit in the real collector process;
the user store on the real PostgreSQL."""

from __future__ import annotations

import functools
import http.client
import json
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from itops.collector.ingest.agent_credentials import token_sha256
from itops.collector.api.roles import Permission, Role
from itops.collector.api.user_store import UserStore

from .conftest import BIN, CollectorProcess

pytestmark = pytest.mark.integration

ADMIN_PASSWORD = "admin password 1"
CONFIG_ADMIN_TOKEN = "config-admin-token-for-tests"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class _FromAddress(urllib.request.HTTPHandler):
    """Connects from ``source`` (any 127.x address on Linux), so one test can be several clients."""

    def __init__(self, source: str):
        super().__init__()
        self._source = source

    def http_open(self, request):
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self._source, 0)), request)


class ApiSession:
    """One caller of the HTTP API: a cookie session (after login) or a bearer token."""

    def __init__(self, base_url: str, token: str | None = None, source: str = "127.0.0.1"):
        self.base_url, self.token = base_url, token
        self._opener = urllib.request.build_opener(_FromAddress(source))
        self.cookie: str | None = None
        self.csrf: str | None = None
        self.headers: dict[str, str] = {}  # of the last answer

    def call(self, method: str, path: str, body: dict | None = None, csrf: bool = True,
             content_type: str = "application/json") -> tuple[int, dict]:
        headers = {"Content-Type": content_type}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and csrf:
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(self.base_url + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with self._opener.open(request, timeout=20) as response:
                self.headers = dict(response.headers)
                self._keep_cookie(response.headers.get("Set-Cookie"))
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            self.headers = dict(error.headers)
            text = error.read().decode()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {"text": text}

    def _keep_cookie(self, set_cookie: str | None) -> None:
        if set_cookie and set_cookie.startswith("itops_session="):
            self.set_cookie_header = set_cookie
            self.cookie = set_cookie.split(";", 1)[0]

    def login(self, username: str, password: str) -> tuple[int, dict]:
        status, body = self.call("POST", "/api/v1/login", {"username": username, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body


def add_user(collector: CollectorProcess, username: str, role: str, password: str) -> None:
    password_file = collector.workdir / f"{username}.password"
    password_file.write_text(password + "\n")
    done = subprocess.run([BIN / "itops-collector", "add-user", "-c", collector.workdir / "collector.yaml", username,
                           "--role", role, "--password-file", password_file], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"user {username} ({role}) added" in done.stdout


@pytest.fixture
def auth_collector(tmp_path, tls_dir, agent_token):
    config = (f"admin_tokens:\n  - name: robot\n    token_sha256: {token_sha256(CONFIG_ADMIN_TOKEN)}\n"
              f"auth:\n  session_ttl: 1h\n")
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=config).start()
    add_user(collector, "admin", "admin", ADMIN_PASSWORD)
    yield collector
    if collector.process.poll() is None:
        collector.process.kill()


@pytest.fixture
def admin(auth_collector) -> ApiSession:
    session = ApiSession(auth_collector.http_url)
    assert session.login("admin", ADMIN_PASSWORD)[0] == 200
    return session


def make_user(admin: ApiSession, base_url: str, username: str, role: str) -> ApiSession:
    status, body = admin.call("POST", "/api/v1/users", {"username": username, "password": f"{username} password",
                                                        "role": role, "display_name": username.title(), "language": "en"})
    assert status == 201, body
    session = ApiSession(base_url)
    assert session.login(username, f"{username} password")[0] == 200
    return session


def test_login_sets_a_strict_http_only_cookie_and_me_reports_the_user(auth_collector):
    session = ApiSession(auth_collector.http_url)
    status, body = session.login("admin", ADMIN_PASSWORD)
    assert status == 200 and body["user"] == "admin" and body["role"] == "admin" and len(body["csrf_token"]) >= 40
    assert body["permissions"] == [permission.value for permission in Permission]
    attributes = session.set_cookie_header.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    assert session.call("GET", "/api/v1/me") == (200, body)
    assert session.call("POST", "/api/v1/logout")[0] == 200
    assert session.call("GET", "/api/v1/me")[0] == 401


def test_wrong_password_is_401_and_me_needs_a_login(auth_collector):
    session = ApiSession(auth_collector.http_url)
    assert session.login("admin", "not the password")[0] == 401
    assert session.login("nobody", ADMIN_PASSWORD)[0] == 401
    assert session.call("GET", "/api/v1/me")[0] == 401


def test_cookie_session_needs_the_csrf_header_on_changes(admin, auth_collector):
    body = {"username": "li", "password": "li password", "role": "viewer"}
    status, refused = admin.call("POST", "/api/v1/users", body, csrf=False)
    assert status == 403 and "X-CSRF-Token" in refused["error"]
    admin.csrf, good = "forged", admin.csrf
    assert admin.call("POST", "/api/v1/users", body)[0] == 403
    admin.csrf = good
    assert admin.call("POST", "/api/v1/users", body)[0] == 201


def test_roles_decide_who_may_change_what(admin, auth_collector):
    url = auth_collector.http_url
    viewer, operator = make_user(admin, url, "li", "viewer"), make_user(admin, url, "zhao", "operator")
    assert viewer.call("GET", "/api/v1/agents")[0] == 200
    status, refused = viewer.call("POST", "/api/v1/users", {"username": "x", "password": "x password", "role": "admin"})
    assert status == 403 and "needs the admin role" in refused["error"]
    assert operator.call("GET", "/api/v1/users")[0] == 403
    assert viewer.call("GET", "/api/v1/audit")[0] == 403
    status, users = admin.call("GET", "/api/v1/users")
    assert status == 200 and {u["user"]: u["role"] for u in users["users"]} == {
        "admin": "admin", "li": "viewer", "zhao": "operator"}
    assert viewer.call("GET", "/api/v1/me")[1]["permissions"] == ["view", "own_account"]
    assert admin.call("POST", "/api/v1/users/li", {"role": "operator"})[1]["role"] == "operator"
    me = viewer.call("GET", "/api/v1/me")[1]  # the live session sees the new role and what it may do
    assert me["role"] == "operator" and "handle_incidents" in me["permissions"] and "manage_users" not in me["permissions"]


def test_non_get_without_anyone_is_401(auth_collector):
    anonymous = ApiSession(auth_collector.http_url)
    for method, path in (("POST", "/api/v1/users"), ("POST", "/api/v1/logout"), ("DELETE", "/api/v1/users/admin/tokens/x"),
                         ("POST", "/api/v1/not-a-route")):
        assert anonymous.call(method, path, {})[0] == 401, (method, path)
    assert anonymous.call("GET", "/api/v1/health")[0] == 200


def test_user_api_tokens_work_as_bearer_until_revoked(admin, auth_collector):
    url = auth_collector.http_url
    make_user(admin, url, "zhao", "operator")
    status, token = admin.call("POST", "/api/v1/users/zhao/tokens", {"name": "backup script"})
    assert status == 201 and token["user"] == "zhao"
    script = ApiSession(url, token=token["token"])
    me = script.call("GET", "/api/v1/me")[1]
    assert me["user"] == "zhao" and me["role"] == "operator"
    assert script.call("POST", "/api/v1/users/zhao/password", {"password": "a new password"})[0] == 200
    listed = admin.call("GET", "/api/v1/users/zhao/tokens")[1]["tokens"]
    assert [t["name"] for t in listed] == ["backup script"] and "token" not in listed[0] and listed[0]["last_used_at"]
    assert admin.call("DELETE", f"/api/v1/users/zhao/tokens/{token['id']}")[0] == 200
    assert script.call("GET", "/api/v1/me")[0] == 401


def test_config_admin_token_is_admin_and_a_bad_token_is_401(auth_collector):
    robot = ApiSession(auth_collector.http_url, token=CONFIG_ADMIN_TOKEN)
    assert robot.call("GET", "/api/v1/me")[1]["role"] == "admin"
    assert robot.call("POST", "/api/v1/users", {"username": "wu", "password": "wu password", "role": "viewer"})[0] == 201
    assert ApiSession(auth_collector.http_url, token="made-up").call("GET", "/api/v1/agents")[0] == 401


def test_new_api_token_command_makes_a_working_token(auth_collector):
    done = subprocess.run([BIN / "itops-collector", "new-api-token", "-c", auth_collector.workdir / "collector.yaml",
                           "admin", "ci"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip().splitlines()[-1]
    assert ApiSession(auth_collector.http_url, token=secret).call("GET", "/api/v1/me")[1]["user"] == "admin"


def test_every_change_is_audited_refused_ones_too(admin, auth_collector):
    anonymous = ApiSession(auth_collector.http_url)
    anonymous.call("POST", "/api/v1/users", {"username": "x", "password": "secret password"})
    anonymous.login("admin", "wrong password")
    admin.call("POST", "/api/v1/users", {"username": "li", "password": "li password", "role": "viewer"})
    entries = admin.call("GET", "/api/v1/audit?limit=10")[1]["entries"]
    seen = [(e["who"], e["method"], e["path"], e["status"]) for e in entries]
    assert seen[:4] == [("admin", "POST", "/api/v1/users", 201), ("admin", "POST", "/api/v1/login", 401),
                        ("anonymous", "POST", "/api/v1/users", 401), ("admin", "POST", "/api/v1/login", 200)]
    assert entries[0]["role"] == "admin" and entries[0]["via"] == "session" and entries[0]["remote"] == "127.0.0.1"
    assert entries[0]["detail"] == '["password", "role", "username"]'
    assert "li password" not in json.dumps(entries) and "wrong password" not in json.dumps(entries)
    only_anonymous = admin.call("GET", "/api/v1/audit?who=anonymous")[1]["entries"]
    assert [e["status"] for e in only_anonymous] == [401]
    assert admin.call("GET", "/api/v1/audit?limit=0")[1] == {"error": "limit: expected a whole number from 1 to 1000, got '0'", "parameter": "limit"}


def test_wrong_passwords_slow_that_client_while_another_client_logs_in(admin, auth_collector):
    guesser = ApiSession(auth_collector.http_url)
    assert [guesser.login("admin", f"guess number {n}")[0] for n in range(5)] == [401] * 5
    status, body = guesser.login("admin", ADMIN_PASSWORD)
    assert (status, body["parameter"], guesser.headers["Retry-After"]) == (429, "username", "1")
    time.sleep(1.1)
    assert guesser.login("admin", "guess number 6")[0] == 401
    assert guesser.login("admin", ADMIN_PASSWORD)[0] == 429 and guesser.headers["Retry-After"] == "2"
    assert ApiSession(auth_collector.http_url, source="127.0.0.2").login("admin", ADMIN_PASSWORD)[0] == 200
    statuses = [e["status"] for e in admin.call("GET", "/api/v1/audit?who=admin")[1]["entries"]]
    assert statuses[:2] == [200, 429]


def test_spraying_usernames_from_one_client_slows_it(auth_collector):
    sprayer = ApiSession(auth_collector.http_url)
    assert {sprayer.login(f"user{n}", ADMIN_PASSWORD)[0] for n in range(20)} == {401}
    assert [sprayer.login(f"user{n}", ADMIN_PASSWORD)[0] for n in range(20, 40)] == [429] * 20
    assert ApiSession(auth_collector.http_url, source="127.0.0.2").login("admin", ADMIN_PASSWORD)[0] == 200


def test_login_waits_survive_a_collector_restart(tmp_path, tls_dir, agent_token):
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token},
                                 extra_config="auth:\n  login_backoff_initial: 1h\n  login_backoff_max: 2h\n").start()
    try:
        add_user(collector, "admin", "admin", ADMIN_PASSWORD)
        guesser = ApiSession(collector.http_url)
        assert [guesser.login("admin", f"guess number {n}")[0] for n in range(5)] == [401] * 5
        assert collector.stop() == 0
        collector.start()
        assert guesser.login("admin", ADMIN_PASSWORD)[0] == 429 and int(guesser.headers["Retry-After"]) > 3500
    finally:
        collector.kill()


def test_require_login_for_reads_closes_gets_but_not_health_or_metrics(tmp_path, tls_dir, agent_token):
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token},
                                 extra_config="auth:\n  require_login_for_reads: true\n").start()
    try:
        add_user(collector, "li", "viewer", "li password")
        anonymous = ApiSession(collector.http_url)
        assert anonymous.call("GET", "/api/v1/agents")[0] == 401
        assert anonymous.call("GET", "/api/v1/health")[1]["time_zone"] == "Asia/Shanghai"
        assert "itops_" in collector.metrics_text()
        viewer = ApiSession(collector.http_url)
        assert viewer.login("li", "li password")[0] == 200
        assert viewer.call("GET", "/api/v1/agents")[0] == 200
    finally:
        collector.kill()


@pytest.fixture
def postgres_users():
    schema = f"itops_users_{secrets.token_hex(6)}"
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    store = UserStore.open(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    yield store
    store.close()
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_user_store_on_postgresql(postgres_users):
    users, now = postgres_users, datetime.now(UTC)
    users.add_user("li", password="li password", role="operator", at=now, display_name="李伟")
    assert users.check_password("li", "li password").display_name == "李伟"
    assert users.check_password("li", "wrong password") is None
    _, secret = users.create_token("li", "script", now)
    assert users.user_for_token(secret, now).role is Role.OPERATOR
    session_id, csrf = users.create_session("li", now, timedelta(hours=1))
    assert users.session_user(session_id, now + timedelta(minutes=59))[1] == csrf
    assert users.session_user(session_id, now + timedelta(hours=1)) is None
    users.update_user("li", disabled=True)
    assert users.user_for_token(secret, now) is None and users.check_password("li", "li password") is None


def _routes_needing_someone(session: ApiSession) -> list[tuple[str, str]]:
    """(method, path) of every route of the live collector that needs a caller, path parameters filled in."""
    paths = session.call("GET", "/api/v1/openapi.json")[1]["paths"]
    return [(method.upper(), re.sub(r"\{[^}]+\}", "admin", path))
            for path, operations in paths.items() for method, operation in operations.items()
            if path != "/api/v1/login" and (method != "get" or "x-itops-role" in operation)]


def test_a_logged_out_cookie_gets_401_everywhere(admin):
    cookie, csrf = admin.cookie, admin.csrf
    assert admin.call("POST", "/api/v1/logout")[0] == 200
    admin.cookie, admin.csrf = cookie, csrf  # a caller who kept the old cookie
    assert admin.call("GET", "/api/v1/me")[0] == 401
    assert admin.call("POST", "/api/v1/users/admin/tokens", {"name": "after logout"})[0] == 401
    routes = _routes_needing_someone(admin)
    assert ("DELETE", "/api/v1/users/admin/tokens/admin") in routes and len(routes) >= 10
    assert [(method, path, admin.call(method, path, {})[0]) for method, path in routes] == [
        (method, path, 401) for method, path in routes]


def test_updating_a_user_with_nothing_to_change_is_400(admin):
    status, body = admin.call("POST", "/api/v1/users/admin", {})
    assert status == 400 and body["parameter"] == "body" and "nothing to change" in body["error"]


def test_not_found_messages_keep_their_closing_quote(admin):
    assert admin.call("POST", "/api/v1/users/nobody", {"role": "viewer"}) == (404, {"error": "no user 'nobody'"})
    assert admin.call("DELETE", "/api/v1/users/admin/tokens/t1") == (404, {"error": "user 'admin' has no token 't1'"})


def test_login_refuses_a_text_plain_body(auth_collector):
    session = ApiSession(auth_collector.http_url)
    status, body = session.call("POST", "/api/v1/login", {"username": "admin", "password": ADMIN_PASSWORD},
                                content_type="text/plain")
    assert status == 415 and "application/json" in body["error"] and "Set-Cookie" not in session.headers


def test_every_json_body_refuses_other_content_types(auth_collector):
    robot = ApiSession(auth_collector.http_url, token=CONFIG_ADMIN_TOKEN)
    paths = robot.call("GET", "/api/v1/openapi.json")[1]["paths"]
    with_bodies = [(method.upper(), re.sub(r"\{[^}]+\}", "admin", path)) for path, operations in paths.items()
                   for method, operation in operations.items() if "requestBody" in operation]
    assert len(with_bodies) >= 5
    for method, path in with_bodies:
        status, body = robot.call(method, path, {"name": "x"}, content_type="application/x-www-form-urlencoded")
        assert (status, body.get("parameter")) == (415, "Content-Type"), (method, path, body)


def test_an_undeclared_method_is_405_with_allow_before_any_login(auth_collector):
    anonymous = ApiSession(auth_collector.http_url)
    status, body = anonymous.call("PUT", "/api/v1/users", {})
    assert status == 405 and "PUT" in body["error"]
    assert set(anonymous.headers["Allow"].split(",")) >= {"GET", "POST"}
    assert anonymous.call("PATCH", "/api/v1/me")[0] == 405
    assert anonymous.call("POST", "/api/v1/not-a-route", {})[0] == 401  # unknown paths still need someone


def test_anonymous_audit_writes_are_bounded_per_client(tmp_path, tls_dir, agent_token):
    collector = CollectorProcess(tmp_path, tls_dir, {"agent-a": agent_token}, extra_config=(
        f"admin_tokens:\n  - name: robot\n    token_sha256: {token_sha256(CONFIG_ADMIN_TOKEN)}\n"
        "auth:\n  audit_anonymous_per_client: 10\n")).start()
    try:
        anonymous, robot = ApiSession(collector.http_url), ApiSession(collector.http_url, token=CONFIG_ADMIN_TOKEN)
        long_path = "/api/v1/" + "x" * 7000
        assert {anonymous.call("POST", long_path, {"a": 1})[0] for _ in range(30)} == {401}
        assert ApiSession(collector.http_url, source="127.0.0.2").call("POST", "/api/v1/users", {})[0] == 401
        assert robot.call("POST", "/api/v1/users", {})[0] == 400
        entries = robot.call("GET", "/api/v1/audit?limit=100")[1]["entries"]
        assert [(e["who"], e["remote"]) for e in entries[:2]] == [("robot", "127.0.0.1"), ("anonymous", "127.0.0.2")]
        assert len(entries) == 12 and {len(e["path"]) for e in entries[2:]} == {500}
        assert "itops_collector_audit_entries_dropped_total 20.0" in collector.metrics_text()
    finally:
        collector.kill()
