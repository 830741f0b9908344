"""``UserStore``: console users with their role, their API tokens, login sessions and the audit log, on any
SQLAlchemy URL. What a role may do is in roles.py; access.py checks it on each request.

Secrets are never stored as given: passwords as scrypt hashes, API tokens and session ids as SHA-256.
An audit entry keeps at most the length of each column of its fields (path and detail 500 characters, who and
remote 100, method 10), so one entry stays under about 1.3 KB whatever the request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from itops.alerting.incidents.model import UtcDateTime
from itops.collector.api.roles import Role
from itops.collector.ingest.agent_credentials import new_token
from itops.common.units import LANGUAGES

__all__ = [
    "AUDIT_PATH_MAX_CHARS", "ApiToken", "AuditEntry", "LANGUAGES", "MIN_PASSWORD_LENGTH", "NoSuchUser", "User", "UserError",
    "UserStore", "audit_detail", "hash_password", "verify_password",
]

SCHEMA_VERSION = 1
MIN_PASSWORD_LENGTH = 10
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
SECRET_BYTES = 32
AUDIT_DETAIL_MAX_CHARS = 500
AUDIT_PATH_MAX_CHARS = 500


class UserError(ValueError):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NoSuchUser(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display_name: str
    role: Role
    language: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    who: str
    role: str | None
    via: str | None
    method: str
    path: str
    status: int
    remote: str | None
    detail: str = ""


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (salt and hash in hex), so the parameters can change later."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, bytes.fromhex(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=32)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# Spent on unknown users too, so a login's timing does not tell which usernames exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(SECRET_BYTES))

_metadata = sa.MetaData()
_schema = sa.Table("auth_schema", _metadata, sa.Column("version", sa.Integer, primary_key=True, autoincrement=False))
_users = sa.Table(
    "users", _metadata,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
_tokens = sa.Table(
    "api_tokens", _metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("username", sa.ForeignKey("users.username"), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
)
_sessions = sa.Table(
    "sessions", _metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("username", sa.ForeignKey("users.username"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)
_audit = sa.Table(
    "audit_log", _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("who", sa.String(100), nullable=False, index=True),
    sa.Column("role", sa.String(16)),
    sa.Column("via", sa.String(16)),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("path", sa.String(AUDIT_PATH_MAX_CHARS), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("remote", sa.String(100)),
    sa.Column("detail", sa.String(AUDIT_DETAIL_MAX_CHARS), nullable=False),
)


def _user(row) -> User:
    return User(row.username, row.display_name, Role(row.role), row.language, row.disabled)


def _token(row) -> ApiToken:
    return ApiToken(row.id, row.username, row.name, row.created_at, row.last_used_at, row.revoked_at)


def _check_username(username: str) -> None:
    if not username or len(username) > 100 or not all(c.isalnum() or c in "._-@" for c in username):
        raise UserError("username", f"expected 1-100 letters, digits or . _ - @, got {username!r}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise UserError("language", f"expected one of {', '.join(LANGUAGES)}, got {language!r}")


def _role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UserError("role", f"expected one of {', '.join(r.value for r in Role)}, got {value!r}") from None


class UserStore:
    def __init__(self, engine: sa.Engine):
        self._engine = engine

    @classmethod
    def open(cls, url: str) -> UserStore:
        """Connect and create the tables when they are missing."""
        engine = sa.create_engine(url)
        _metadata.create_all(engine)
        with engine.begin() as connection:
            version = connection.scalar(sa.select(sa.func.max(_schema.c.version)))
            if version is None:
                connection.execute(_schema.insert().values(version=SCHEMA_VERSION))
            elif version > SCHEMA_VERSION:
                raise RuntimeError(f"{url}: user store schema {version} is newer than this itops ({SCHEMA_VERSION})")
        return cls(engine)

    @property
    def engine(self) -> sa.Engine:
        """For the login throttle, whose counts live in the same database."""
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    # users

    def add_user(self, username: str, *, password: str, role: Role | str, at: datetime,
                 display_name: str | None = None, language: str = "zh-CN") -> User:
        _check_username(username)
        _check_password(password)
        _check_language(language)
        row = {"username": username, "display_name": display_name or username, "role": _role(role).value,
               "language": language, "disabled": False, "password_hash": hash_password(password), "created_at": at}
        with self._engine.begin() as connection:
            if connection.scalar(sa.select(_users.c.username).where(_users.c.username == username)):
                raise UserError("username", f"user {username!r} exists already")
            connection.execute(_users.insert().values(row))
        return self.get_user(username)

    def get_user(self, username: str) -> User:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(_users).where(_users.c.username == username)).first()
        if row is None:
            raise NoSuchUser(f"no user {username!r}")
        return _user(row)

    def list_users(self) -> list[User]:
        with self._engine.connect() as connection:
            return [_user(row) for row in connection.execute(sa.select(_users).order_by(_users.c.username))]

    def update_user(self, username: str, *, role: Role | str | None = None, display_name: str | None = None,
                    language: str | None = None, disabled: bool | None = None) -> User:
        values: dict[str, object] = {}
        if role is not None:
            values["role"] = _role(role).value
        if display_name is not None:
            values["display_name"] = display_name
        if language is not None:
            _check_language(language)
            values["language"] = language
        if disabled is not None:
            values["disabled"] = disabled
        if not values:
            raise UserError("body", "nothing to change; give role, display_name, language or disabled")
        self._update_user_row(username, values)
        if disabled:
            self._end_sessions_of(username)
        return self.get_user(username)

    def set_password(self, username: str, password: str) -> None:
        _check_password(password)
        self._update_user_row(username, {"password_hash": hash_password(password)})
        self._end_sessions_of(username)

    def check_password(self, username: str, password: str) -> User | None:
        """The user when the password is right and the user is enabled, else None."""
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(_users).where(_users.c.username == username)).first()
        matches = verify_password(password, row.password_hash if row is not None else _DUMMY_HASH)
        return _user(row) if row is not None and matches and not row.disabled else None

    def _update_user_row(self, username: str, values: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            updated = connection.execute(_users.update().where(_users.c.username == username).values(values))
        if updated.rowcount == 0:
            raise NoSuchUser(f"no user {username!r}")

    # API tokens

    def create_token(self, username: str, name: str, at: datetime) -> tuple[ApiToken, str]:
        """A new token for ``username``: its record and the secret, which is shown this once only."""
        if not name or len(name) > 100:
            raise UserError("name", "expected 1-100 characters naming what the token is for")
        self.get_user(username)
        secret = new_token()
        token_id = secrets.token_hex(8)
        with self._engine.begin() as connection:
            connection.execute(_tokens.insert().values(id=token_id, username=username, name=name,
                                                       token_sha256=_sha256(secret), created_at=at))
        return ApiToken(token_id, username, name, at, None, None), secret

    def list_tokens(self, username: str) -> list[ApiToken]:
        self.get_user(username)
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(_tokens).where(_tokens.c.username == username)
                                      .order_by(_tokens.c.created_at, _tokens.c.id))
            return [_token(row) for row in rows]

    def revoke_token(self, username: str, token_id: str, at: datetime) -> ApiToken:
        where = sa.and_(_tokens.c.username == username, _tokens.c.id == token_id)
        with self._engine.begin() as connection:
            connection.execute(_tokens.update().where(where, _tokens.c.revoked_at.is_(None)).values(revoked_at=at))
            row = connection.execute(sa.select(_tokens).where(where)).first()
        if row is None:
            raise NoSuchUser(f"user {username!r} has no token {token_id!r}")
        return _token(row)

    def user_for_token(self, secret: str, at: datetime) -> User | None:
        """The enabled user a live token belongs to (and note its use), else None."""
        query = (sa.select(_tokens.c.id, _users).join(_users, _users.c.username == _tokens.c.username)
                 .where(_tokens.c.token_sha256 == _sha256(secret), _tokens.c.revoked_at.is_(None)))
        with self._engine.begin() as connection:
            row = connection.execute(query).first()
            if row is None or row.disabled:
                return None
            connection.execute(_tokens.update().where(_tokens.c.id == row.id).values(last_used_at=at))
        return _user(row)

    # sessions

    def create_session(self, username: str, at: datetime, ttl: timedelta) -> tuple[str, str]:
        """(session id for the cookie, CSRF token) of a new login session."""
        session_id, csrf_token = secrets.token_urlsafe(SECRET_BYTES), secrets.token_urlsafe(SECRET_BYTES)
        with self._engine.begin() as connection:
            connection.execute(_sessions.delete().where(_sessions.c.expires_at <= at))
            connection.execute(_sessions.insert().values(id_sha256=_sha256(session_id), username=username,
                                                         csrf_token=csrf_token, expires_at=at + ttl))
        return session_id, csrf_token

    def session_user(self, session_id: str, at: datetime) -> tuple[User, str] | None:
        """(user, CSRF token) of a live session of an enabled user, else None."""
        query = (sa.select(_sessions.c.csrf_token, _users).join(_users, _users.c.username == _sessions.c.username)
                 .where(_sessions.c.id_sha256 == _sha256(session_id), _sessions.c.expires_at > at))
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None or row.disabled else (_user(row), row.csrf_token)

    def end_session(self, session_id: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(_sessions.delete().where(_sessions.c.id_sha256 == _sha256(session_id)))

    def _end_sessions_of(self, username: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(_sessions.delete().where(_sessions.c.username == username))

    # audit log

    def record_audit(self, entry: AuditEntry) -> None:
        """Write ``entry``, each text cut to its column's length."""
        with self._engine.begin() as connection:
            connection.execute(_audit.insert().values(_bounded_audit_row(entry)))

    def prune_audit(self, before: datetime) -> int:
        """Forget the audit entries from before ``before``; how many there were."""
        with self._engine.begin() as connection:
            return connection.execute(_audit.delete().where(_audit.c.at < before)).rowcount

    def audit(self, limit: int = 100, who: str | None = None) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        query = sa.select(_audit).order_by(_audit.c.seq.desc()).limit(limit)
        if who is not None:
            query = query.where(_audit.c.who == who)
        with self._engine.connect() as connection:
            return [AuditEntry(r.at, r.who, r.role, r.via, r.method, r.path, r.status, r.remote, r.detail)
                    for r in connection.execute(query)]


def _bounded_audit_row(entry: AuditEntry) -> dict[str, object]:
    values = {name: getattr(entry, name) for name in AuditEntry.__slots__}
    return {name: value[:_audit.c[name].type.length] if isinstance(value, str) else value
            for name, value in values.items()}


def audit_detail(body: object) -> str:
    """What an audit entry keeps of a request body: the names of its fields, never their values."""
    return json.dumps(sorted(body)) if isinstance(body, dict) else ""
