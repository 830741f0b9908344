"""Enrollment records (``<data_dir>/enrollment.sqlite3``): one-time enrollment tokens, the certificates issued to
agents, and revocations.

A token is stored as its SHA-256 only, for one agent id, until it expires; redeeming it marks it used in the same
statement that checks it, so it works once even when two enrollments race. Revoking an agent revokes every
certificate issued to it so far; the collector looks a certificate up on every call, so a revocation made by
``itops-collector revoke`` (another process, the same file) counts from the next call, without a restart. An agent
enrolled again after a revocation gets a new certificate, which is not revoked.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from itops.common.sqlite_transaction import immediate_transaction

__all__ = ["EnrollmentStore", "EnrollmentToken", "IssuedRecord", "TokenRefused"]

TOKEN_PREFIX = "itops_enroll_"
SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    used_ms INTEGER,
    revoked_ms INTEGER
);
CREATE TABLE IF NOT EXISTS certificates (
    serial TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    not_before_ms INTEGER NOT NULL,
    not_after_ms INTEGER NOT NULL,
    issued_ms INTEGER NOT NULL,
    how TEXT NOT NULL,  -- enroll | renew
    revoked_ms INTEGER
);
CREATE INDEX IF NOT EXISTS certificates_by_agent ON certificates (agent_id);
"""


class TokenRefused(Exception):
    """The enrollment token cannot be used; ``str(exc)`` says why without saying whether it ever existed."""


@dataclass(frozen=True)
class EnrollmentToken:
    agent_id: str
    created_ms: int
    expires_ms: int
    created_by: str
    used_ms: int | None
    revoked_ms: int | None
    token_sha256: str

    def as_json(self) -> dict:
        return {"agent_id": self.agent_id, "created_ms": self.created_ms, "expires_ms": self.expires_ms,
                "created_by": self.created_by, "used_ms": self.used_ms, "revoked_ms": self.revoked_ms,
                "id": self.token_sha256[:16]}


@dataclass(frozen=True)
class IssuedRecord:
    serial: str
    agent_id: str
    not_after_ms: int
    issued_ms: int
    how: str
    revoked_ms: int | None

    def as_json(self) -> dict:
        return {"serial": self.serial, "agent_id": self.agent_id, "not_after_ms": self.not_after_ms,
                "issued_ms": self.issued_ms, "how": self.how, "revoked_ms": self.revoked_ms}


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EnrollmentStore:
    def __init__(self, data_dir: str | Path):
        path = Path(data_dir)
        path.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path / "enrollment.sqlite3", isolation_level=None, check_same_thread=False,
                                   timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self._db, self._lock)

    def create_token(self, agent_id: str, now_ms: int, lifetime_ms: int, created_by: str) -> tuple[str, EnrollmentToken]:
        """The token (kept nowhere: only its hash is stored) and its record."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = EnrollmentToken(agent_id, now_ms, now_ms + lifetime_ms, created_by, None, None, _sha256(token))
        with self._transaction() as db:
            db.execute("INSERT INTO tokens (token_sha256, agent_id, created_ms, expires_ms, created_by) "
                       "VALUES (?, ?, ?, ?, ?)", (record.token_sha256, agent_id, now_ms, record.expires_ms, created_by))
        return token, record

    def tokens(self) -> list[EnrollmentToken]:
        with self._lock:
            rows = self._db.execute("SELECT agent_id, created_ms, expires_ms, created_by, used_ms, revoked_ms, "
                                    "token_sha256 FROM tokens ORDER BY created_ms").fetchall()
        return [EnrollmentToken(*row) for row in rows]

    def revoke_token(self, token_id: str, now_ms: int) -> bool:
        """Revoke the unused token whose id (``EnrollmentToken.as_json()["id"]``) is ``token_id``."""
        with self._transaction() as db:
            return db.execute("UPDATE tokens SET revoked_ms = ? WHERE substr(token_sha256, 1, 16) = ? AND "
                              "used_ms IS NULL AND revoked_ms IS NULL", (now_ms, token_id)).rowcount == 1

    def redeem(self, token: str, agent_id: str, now_ms: int) -> None:
        """Use the token for ``agent_id`` (once), or TokenRefused."""
        with self._transaction() as db:
            used = db.execute("UPDATE tokens SET used_ms = ? WHERE token_sha256 = ? AND agent_id = ? AND "
                              "used_ms IS NULL AND revoked_ms IS NULL AND expires_ms > ?",
                              (now_ms, _sha256(token), agent_id, now_ms)).rowcount
        if not used:
            raise TokenRefused(f"enrollment token refused for agent {agent_id!r}: unknown, for another agent, "
                               "already used, revoked or expired (`itops-collector enroll-token --agent-id "
                               f"{agent_id}` makes a new one)")

    def record_certificate(self, serial: str, agent_id: str, not_before_ms: int, not_after_ms: int, now_ms: int,
                           how: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO certificates (serial, agent_id, not_before_ms, not_after_ms, issued_ms, how) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (serial, agent_id, not_before_ms, not_after_ms, now_ms, how))

    def is_revoked(self, serial: str) -> bool:
        """True for a revoked certificate and for one this collector never issued (or whose record is gone)."""
        with self._lock:
            row = self._db.execute("SELECT revoked_ms FROM certificates WHERE serial = ?", (serial,)).fetchone()
        return row is None or row[0] is not None

    def revoke_agent(self, agent_id: str, now_ms: int) -> int:
        """Revoke every certificate issued to ``agent_id`` so far (and its unused tokens); returns how many
        certificates."""
        with self._transaction() as db:
            db.execute("UPDATE tokens SET revoked_ms = ? WHERE agent_id = ? AND used_ms IS NULL AND revoked_ms IS NULL",
                       (now_ms, agent_id))
            return db.execute("UPDATE certificates SET revoked_ms = ? WHERE agent_id = ? AND revoked_ms IS NULL",
                              (now_ms, agent_id)).rowcount

    def certificates(self, revoked_only: bool = False) -> list[IssuedRecord]:
        where = "WHERE revoked_ms IS NOT NULL " if revoked_only else ""
        with self._lock:
            rows = self._db.execute("SELECT serial, agent_id, not_after_ms, issued_ms, how, revoked_ms FROM "
                                    f"certificates {where}ORDER BY issued_ms").fetchall()
        return [IssuedRecord(*row) for row in rows]
