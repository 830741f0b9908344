"""The console and API behind deploy/nginx/itops.conf, served by a collector running deploy/compose/collector.yaml.

The collector runs the compose config as shipped but for this machine's paths and ports: its users, sessions and
incidents go to the PostgreSQL at 127.0.0.1:5432 (database `test`, a fresh schema) through libpq's PG* variables,
as compose.yaml and the Kubernetes settings give them, and auth.secure_cookie is on. nginx runs the shipped server
blocks with only the listen ports, the upstream ports and the certificate paths replaced, in front of it and of a
stand-in for Grafana. A missing nginx or PostgreSQL fails the tests.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import pathlib
import shutil
import signal
import ssl
import subprocess
import threading
import time
import uuid
from typing import ClassVar

import pytest
import sqlalchemy as sa
import yaml

from itops.collector.ingest.tls import write_ca_and_server_certificate
from itops.common.clock import utc_now

from .conftest import BIN, READY_RE, free_port, wait_until
from .postgres_schema import SERVER_URL

pytestmark = pytest.mark.integration

ROOT = pathlib.Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "itops.conf"
COLLECTOR_CONF = ROOT / "deploy" / "compose" / "collector.yaml"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def schema():
    name = f"itops_deploy_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(SERVER_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            connection.execute(sa.schema.CreateSchema(name))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at {SERVER_URL} is needed for this test and is unreachable: {error}")
    yield name
    with engine.begin() as connection:
        connection.execute(sa.schema.DropSchema(name, cascade=True))
    engine.dispose()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> pathlib.Path:
    work = tmp_path_factory.mktemp("deploy")
    write_ca_and_server_certificate(str(work / "tls"), ["localhost", "127.0.0.1"], utc_now())
    return work


@pytest.fixture(scope="module")
def collector(work, schema):
    config = yaml.safe_load(COLLECTOR_CONF.read_text())
    # The PostgreSQL URLs, secure_cookie and all else stay as shipped; only this machine's paths and ports differ.
    assert config["auth"]["database"] == config["alerting"]["incidents"]["database"] == "postgresql+psycopg://"
    config["data_dir"] = str(work / "data")
    config["grpc"].update(listen="127.0.0.1:0", tls_cert_file=str(work / "tls" / "server.pem"),
                          tls_key_file=str(work / "tls" / "server-key.pem"))
    config["http"]["listen"] = "127.0.0.1:0"
    config["enrollment"]["mtls_listen"] = "127.0.0.1:0"
    config["storage"]["path"] = str(work / "tsdb")
    config["outputs"][0].update(url=f"http://127.0.0.1:{free_port()}", outbox=str(work / "outbox"))
    path = work / "collector.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres", "PGDATABASE": "test",
           "PGOPTIONS": f"-csearch_path={schema}"}
    (work / "password").write_text(PASSWORD)
    with open(work / "collector.log", "a") as log:
        process = subprocess.Popen([BIN / "itops-collector", "run", "-c", path], stdout=subprocess.PIPE, stderr=log,
                                   text=True, env=env)
    try:
        ready = READY_RE.match(process.stdout.readline().strip())
        assert ready, (work / "collector.log").read_text()[-3000:]
        subprocess.run([BIN / "itops-collector", "add-user", "-c", path, "admin", "--role", "admin",
                        "--password-file", work / "password"], env=env, check=True, capture_output=True)
        yield int(ready.group(2).rsplit(":", 1)[1])
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


class GrafanaStandIn(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def do_GET(self):
        GrafanaStandIn.seen.append((self.path, dict(self.headers)))
        body = b'{"database": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def grafana():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GrafanaStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
    if found is None:
        pytest.fail("nginx is needed (Debian: apt-get install nginx)")
    return found


@pytest.fixture(scope="module")
def proxy(work, collector, grafana):
    """The shipped server blocks with this machine's ports and certificate; (http port, https port)."""
    http_port, https_port = free_port(), free_port()
    text = NGINX_CONF.read_text()
    for shipped, here in (("server 127.0.0.1:9718;", f"server 127.0.0.1:{collector};"),
                          ("server 127.0.0.1:3000;", f"server 127.0.0.1:{grafana};"),
                          ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
                          ("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
                           f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
                          ("/etc/nginx/tls/itops.example.internal.pem", str(work / "tls" / "server.pem")),
                          ("/etc/nginx/tls/itops.example.internal-key.pem", str(work / "tls" / "server-key.pem"))):
        assert shipped in text, f"deploy/nginx/itops.conf no longer has {shipped!r}: update this test"
        text = text.replace(shipped, here)
    prefix = work / "nginx"
    (prefix / "logs").mkdir(parents=True)
    (prefix / "itops.conf").write_text(text)
    (prefix / "nginx.conf").write_text(
        "user root root;\nworker_processes 1;\npid nginx.pid;\nerror_log logs/error.log;\nevents {}\n"
        "http {\n  access_log off;\n  client_body_temp_path body;\n  proxy_temp_path proxy;\n"
        "  fastcgi_temp_path fastcgi;\n  uwsgi_temp_path uwsgi;\n  scgi_temp_path scgi;\n  include itops.conf;\n}\n")
    command = [_nginx(), "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: _connects(https_port), 10, "nginx to listen")
        yield http_port, https_port
    finally:
        process.terminate()
        process.wait(10)


def _connects(port: int) -> bool:
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
        return True
    except OSError:
        return False


def _https(port: int, work: pathlib.Path, method: str, path: str, body: dict | None = None,
           headers: dict[str, str] | None = None, source: str = "127.0.0.1") -> http.client.HTTPResponse:
    context = ssl.create_default_context(cafile=work / "tls" / "ca.pem")
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10, source_address=(source, 0))
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    response.body = response.read()
    return response


def test_plain_http_is_sent_to_https(proxy):
    connection = http.client.HTTPConnection("127.0.0.1", proxy[0], timeout=10)
    connection.request("GET", "/console/")
    response = connection.getresponse()
    assert (response.status, response.getheader("Location")) == (301, "https://127.0.0.1/console/")


def test_console_over_tls_with_strict_transport_security(proxy, work):
    response = _https(proxy[1], work, "GET", "/console/")
    assert response.status == 200 and b"<html" in response.body.lower()
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
    root = _https(proxy[1], work, "GET", "/")
    assert (root.status, root.getheader("Location")) == (302, f"https://127.0.0.1:{proxy[1]}/console/")


def test_session_cookie_is_secure_and_works_through_the_proxy(proxy, work):
    login = _https(proxy[1], work, "POST", "/api/v1/login", {"username": "admin", "password": PASSWORD})
    assert login.status == 200, login.body
    cookie = login.getheader("Set-Cookie")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly"} <= attributes and "samesite=strict" in cookie.lower()
    me = _https(proxy[1], work, "GET", "/api/v1/me", headers={"Cookie": cookie.split(";")[0]})
    assert me.status == 200 and json.loads(me.body)["user"] == "admin"


def test_users_and_incidents_are_kept_in_postgresql(collector, schema):
    engine = sa.create_engine(SERVER_URL)
    with engine.connect() as connection:
        tables = set(connection.execute(sa.text("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = :schema"), {"schema": schema}).scalars())
        users = connection.execute(sa.text(f'SELECT username FROM "{schema}".users')).scalars().all()
    engine.dispose()
    assert users == ["admin"]
    assert {"incidents", "incident_timeline", "auth_schema"} <= tables


def test_metrics_stay_inside(proxy, work):
    assert _https(proxy[1], work, "GET", "/metrics").status == 404


def test_grafana_is_served_under_its_sub_path_with_the_forwarded_headers(proxy, work):
    response = _https(proxy[1], work, "GET", "/grafana/api/health")
    assert response.status == 200 and json.loads(response.body) == {"database": "ok"}
    path, headers = GrafanaStandIn.seen[-1]
    assert path == "/grafana/api/health"
    assert headers["X-Forwarded-Proto"] == "https" and headers["Host"] == "127.0.0.1"


def test_login_guessing_is_slowed_per_client_address_at_the_proxy(proxy, work):
    """From another loopback address, so the logins of the other tests do not count; each guess names another
    user, so the collector's own throttling (per user and address) does not answer first."""
    statuses = []
    for attempt in range(10):
        response = _https(proxy[1], work, "POST", "/api/v1/login", {"username": f"guess{attempt}", "password": "x"},
                          source="127.0.0.2")
        statuses.append((response.status, response.getheader("Content-Type", "").split(";")[0]))
        time.sleep(0.01)
    assert statuses[0][0] == 401
    assert (429, "text/html") in statuses, statuses
