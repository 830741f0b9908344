"""Enrollment and mTLS with real processes: a one-time token from `itops-collector enroll-token`, `itops-agent
enroll` making the key on the agent's side, a real agent sending over the mTLS port, revocation by
`itops-collector revoke` taking effect at the next call without a restart, refused certificates (expired,
self-signed, another CA's, another agent's), a replayed token, renewal across a collector restart, a token-only
agent moving to a certificate with its buffer, bearer tokens switched off, and the CA key's files."""

from __future__ import annotations

import datetime
import json
import os
import re
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from itops.collector.ingest.agent_credentials import token_sha256
from itops.collector.ingest.certificate_authority import AGENT_URI_PREFIX
from itops.v1 import ingest_pb2, ingest_pb2_grpc

from .conftest import BIN, AgentProcess, CollectorProcess, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

AGENT = "agent-e"
UTC = datetime.UTC


@pytest.fixture
def collector(tmp_path, tls_dir):
    process = CollectorProcess(tmp_path, tls_dir, {}).start()
    yield process
    if process.process.poll() is None:
        process.kill()


def run(*command, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=60)
    if check and result.returncode:
        raise AssertionError(f"{command} exited {result.returncode}: {result.stdout}{result.stderr}")
    return result


def enroll_token(collector: CollectorProcess, agent_id: str = AGENT) -> str:
    out = run(BIN / "itops-collector", "enroll-token", "-c", collector.workdir / "collector.yaml", "--agent-id",
              agent_id).stdout
    return out.strip().splitlines()[-1]


def agent_config(workdir: Path, tls_dir: Path, collector: CollectorProcess, agent_id: str = AGENT) -> Path:
    path = workdir / f"{agent_id}-enroll.yaml"
    path.write_text(f"agent_id: {agent_id}\nhostname: {agent_id}-host\n"
                    f"collector:\n  address: {collector.grpc_address}\n  ca_file: {tls_dir / 'ca.pem'}\n"
                    f"  server_name: localhost\n  mtls_address: 127.0.0.1:{collector.mtls_port}\n  timeout: 5s\n"
                    f"buffer:\n  path: {workdir / (agent_id + '-buffer')}\n")
    return path


def enroll(workdir, tls_dir, collector, token: str, agent_id: str = AGENT) -> tuple[bytes, bytes]:
    config = agent_config(workdir, tls_dir, collector, agent_id)
    out = run(BIN / "itops-agent", "enroll", "-c", config, "--token", token).stdout
    assert f"agent {agent_id}: certificate" in out
    buffer = workdir / f"{agent_id}-buffer"
    return (buffer / "agent.pem").read_bytes(), (buffer / "agent-key.pem").read_bytes()


def push(collector: CollectorProcess, tls_dir: Path, certificate: bytes, key: bytes, claimed: str = AGENT,
         sequence: int = 1) -> ingest_pb2.PushAck:
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes(), private_key=key,
                                               certificate_chain=certificate)
    batch = ingest_pb2.Batch(sequence=sequence, samples=ingest_pb2.SampleBlock(
        series=[f'itops_test_value{{host="{claimed}-host"}}'], series_index=[0],
        timestamps_ms=[int(time.time() * 1000)], values=[1.0]))
    with grpc.secure_channel(f"127.0.0.1:{collector.mtls_port}", credentials,
                             options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
        return ingest_pb2_grpc.IngestStub(channel).Push(batch, metadata=(("x-itops-agent-id", claimed),), timeout=5)


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value


def test_enroll_send_revoke_and_a_replayed_token(tmp_path, tls_dir, collector):
    token = enroll_token(collector)
    certificate, key = enroll(tmp_path, tls_dir, collector, token)
    assert stat.S_IMODE(os.stat(tmp_path / f"{AGENT}-buffer" / "agent-key.pem").st_mode) == 0o600
    issued = x509.load_pem_x509_certificate(certificate)
    assert issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.UniformResourceIdentifier) == [AGENT_URI_PREFIX + AGENT]
    assert push(collector, tls_dir, certificate, key).sequence == 1

    replayed = run(BIN / "itops-agent", "enroll", "-c", agent_config(tmp_path, tls_dir, collector), "--token", token,
                   check=False)
    assert replayed.returncode == 1 and "UNAUTHENTICATED: enrollment token refused" in replayed.stderr

    run(BIN / "itops-collector", "revoke", "-c", collector.workdir / "collector.yaml", AGENT)
    revoked_at = time.monotonic()
    error = refused(lambda: push(collector, tls_dir, certificate, key, sequence=2))
    assert time.monotonic() - revoked_at < 1.0
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED and "is revoked" in error.details()
    listed = run(BIN / "itops-collector", "revoked", "-c", collector.workdir / "collector.yaml").stdout
    assert listed.startswith(f"{AGENT}\tserial {format(issued.serial_number, 'x')}")

    again, again_key = enroll(tmp_path, tls_dir, collector, enroll_token(collector))  # enrolled anew: a new certificate
    assert push(collector, tls_dir, again, again_key, sequence=3).sequence == 3


def test_a_token_only_agent_moves_to_a_certificate_with_its_buffer(tmp_path, tls_dir):
    bearer = "itops_" + "b" * 43
    collector = CollectorProcess(tmp_path, tls_dir, {AGENT: bearer}).start()
    try:
        agent = AgentProcess(tmp_path, tls_dir, AGENT, bearer, collector.grpc_address,
                             mtls_address=f"127.0.0.1:{collector.mtls_port}").start()
        wait_until(lambda: agent.acked_batches(), 20, "a batch sent with the bearer token")
        collector.stop()  # the agent buffers while the collector is down
        wait_until(lambda: set(agent.sealed_batches()) - set(agent.acked_batches()), 20, "batches left in the buffer")
        assert agent.stop() == 0
        buffered = set(agent.sealed_batches()) - set(agent.acked_batches())
        collector.agent_tokens = {}  # the bearer token no longer works: what arrives now came over mTLS
        collector.start()
        enroll(tmp_path, tls_dir, collector, enroll_token(collector))
        agent.start()
        wait_until(lambda: buffered <= set(agent.acked_batches()), 30, "the buffered batches to be acknowledged")
        assert "UNAUTHENTICATED" not in agent.log_text()
        agent.stop()
    finally:
        if collector.process.poll() is None:
            collector.kill()


def _leaf(issuer_key, issuer_name: x509.Name, agent_id: str, not_before: datetime.datetime,
          not_after: datetime.datetime) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, agent_id)]))
        .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(AGENT_URI_PREFIX + agent_id)]),
                       critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(issuer_key if issuer_key is not None else key, hashes.SHA256()))
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def test_expired_self_signed_other_ca_and_another_agents_certificates_are_refused(tmp_path, tls_dir, collector):
    certificate, key = enroll(tmp_path, tls_dir, collector, enroll_token(collector))
    ca_dir = collector.workdir / "state" / "ca"
    ca_key = serialization.load_pem_private_key((ca_dir / "ca-key.pem").read_bytes(), password=None)
    ca_name = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes()).subject
    now = datetime.datetime.now(UTC)
    expired = _leaf(ca_key, ca_name, AGENT, now - datetime.timedelta(days=3), now - datetime.timedelta(days=1))
    self_signed = _leaf(None, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, AGENT)]), AGENT, now,
                        now + datetime.timedelta(days=1))
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = _leaf(other_ca_key, ca_name, AGENT, now, now + datetime.timedelta(days=1))  # same name, other key
    for name, (bad_certificate, bad_key) in {"expired": expired, "self-signed": self_signed,
                                             "other CA": other_ca}.items():
        error = refused(lambda c=bad_certificate, k=bad_key: push(collector, tls_dir, c, k))
        assert error.code() == grpc.StatusCode.UNAVAILABLE, name  # the TLS handshake fails: no call is made
    signed_but_unknown = _leaf(ca_key, ca_name, AGENT, now, now + datetime.timedelta(days=1))  # never issued
    error = refused(lambda: push(collector, tls_dir, *signed_but_unknown))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED and "revoked or unknown" in error.details()
    error = refused(lambda: push(collector, tls_dir, certificate, key, claimed="agent-other"))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == f"the client certificate is agent {AGENT!r}'s, but the call says it is agent 'agent-other'"
    assert collector.get("/api/v1/series", [("name", "itops_test_value")])["series"] == []


def test_renewal_across_a_collector_restart_and_the_ca_key_stays_in_its_directory(tmp_path, tls_dir, collector):
    certificate, key = enroll(tmp_path, tls_dir, collector, enroll_token(collector))
    collector.stop()
    collector.start()
    config = agent_config(tmp_path, tls_dir, collector)
    assert "not due" in run(BIN / "itops-agent", "renew", "-c", config, "--if-due").stdout
    run(BIN / "itops-agent", "renew", "-c", config)
    renewed = (tmp_path / f"{AGENT}-buffer" / "agent.pem").read_bytes()
    renewed_key = (tmp_path / f"{AGENT}-buffer" / "agent-key.pem").read_bytes()
    assert renewed != certificate and renewed_key != key
    assert push(collector, tls_dir, renewed, renewed_key).sequence == 1

    ca_dir = collector.workdir / "state" / "ca"
    assert stat.S_IMODE(os.stat(ca_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(ca_dir / "ca-key.pem").st_mode) == 0o600
    scalar = _private_value((ca_dir / "ca-key.pem").read_bytes())
    elsewhere = [path for path in tmp_path.rglob("*") if path.is_file() and path != ca_dir / "ca-key.pem"
                 and _holds_key(path.read_bytes(), scalar)]
    assert elsewhere == []


def _private_value(pem: bytes) -> int:
    return serialization.load_pem_private_key(pem, password=None).private_numbers().private_value


def _holds_key(data: bytes, scalar: int) -> bool:
    """The key's secret in a file: its raw bytes (a database, a log) or a PEM private key block with it."""
    if scalar.to_bytes(32, "big") in data:
        return True
    blocks = re.findall(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----.+?-----END [A-Z ]*PRIVATE KEY-----", data, re.DOTALL)
    return any(_private_value(block) == scalar for block in blocks)


def test_with_bearer_tokens_off_a_token_is_refused_and_enrollment_still_works(tmp_path, tls_dir):
    bearer = "itops_" + "c" * 43
    collector = CollectorProcess(tmp_path, tls_dir, {AGENT: bearer},
                                 extra_enrollment_config="  bearer_tokens: false\n").start()
    try:
        credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes())
        with grpc.secure_channel(collector.grpc_address, credentials,
                                 options=[("grpc.ssl_target_name_override", "localhost")]) as channel:
            error = refused(lambda: ingest_pb2_grpc.IngestStub(channel).Push(
                ingest_pb2.Batch(sequence=1), metadata=(("authorization", f"Bearer {bearer}"),), timeout=5))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED and "bearer tokens are off" in error.details()
        certificate, key = enroll(tmp_path, tls_dir, collector, enroll_token(collector))
        assert push(collector, tls_dir, certificate, key).sequence == 1
    finally:
        collector.kill()


def test_admins_make_list_and_revoke_tokens_and_certificates_over_the_api(tmp_path, tls_dir):
    admin = "itops_" + "a" * 43
    collector = CollectorProcess(tmp_path, tls_dir, {}, extra_config=(
        f"admin_tokens:\n  - name: wang\n    token_sha256: {token_sha256(admin)}\n")).start()

    def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(collector.http_url + path, method=method, headers={
            "Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
            data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)
    try:
        status, made = call("POST", "/api/v1/enrollment-tokens", {"agent_id": AGENT, "expires": "2h"})
        assert status == 201 and made["token"].startswith("itops_enroll_") and made["created_by"] == "wang"
        assert made["expires_ms"] - made["created_ms"] == 2 * 3600 * 1000
        _, unused = call("POST", "/api/v1/enrollment-tokens", {"agent_id": AGENT})
        certificate, key = enroll(tmp_path, tls_dir, collector, made["token"])
        _, listed = call("GET", "/api/v1/enrollment-tokens")
        assert [(t["id"], t["used_ms"] is not None) for t in listed["tokens"]] == [(made["id"], True), (unused["id"], False)]
        assert "token" not in listed["tokens"][0]
        assert call("DELETE", f"/api/v1/enrollment-tokens/{unused['id']}")[0] == 200
        refused_enroll = run(BIN / "itops-agent", "enroll", "-c", agent_config(tmp_path, tls_dir, collector),
                             "--token", unused["token"], check=False)
        assert refused_enroll.returncode == 1 and "enrollment token refused" in refused_enroll.stderr
        assert call("POST", f"/api/v1/agents/{AGENT}/revoke")[1] == {"agent_id": AGENT, "revoked_certificates": 1}
        error = refused(lambda: push(collector, tls_dir, certificate, key))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert [c["agent_id"] for c in call("GET", "/api/v1/certificates?revoked=1")[1]["certificates"]] == [AGENT]
        status, bad = call("POST", "/api/v1/enrollment-tokens", {"agent_id": "itops-collector"})
        assert (status, bad["parameter"]) == (400, "agent_id")
    finally:
        collector.kill()
