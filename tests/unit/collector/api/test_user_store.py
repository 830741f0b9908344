"""UserStore on SQLite: password hashing, users, API tokens, sessions, audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from itops.collector.api.roles import Role
from itops.collector.api.user_store import (AUDIT_PATH_MAX_CHARS, AuditEntry, NoSuchUser, UserError, UserStore,
                                            audit_detail, hash_password, verify_password)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def users(tmp_path):
    store = UserStore.open(f"sqlite:///{tmp_path / 'users.sqlite3'}")
    yield store
    store.close()


def test_password_hash_is_self_describing_salted_scrypt():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    scheme, n, r, p, salt, digest = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert first != second  # different salts
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_wrong_or_malformed_hashes_do_not_verify():
    stored = hash_password(PASSWORD)
    assert not verify_password(PASSWORD + "x", stored)
    assert not verify_password(PASSWORD, "plain$" + PASSWORD)
    assert not verify_password(PASSWORD, "scrypt$16384$8$1$zz$zz")
    assert not verify_password(PASSWORD, stored.replace("scrypt", "bcrypt", 1))


def test_add_user_checks_its_fields(users):
    with pytest.raises(UserError, match="password: must be at least 10"):
        users.add_user("li", password="short", role="viewer", at=T0)
    with pytest.raises(UserError, match="role: expected one of viewer, operator, admin"):
        users.add_user("li", password=PASSWORD, role="root", at=T0)
    with pytest.raises(UserError, match="language"):
        users.add_user("li", password=PASSWORD, role="viewer", at=T0, language="fr")
    with pytest.raises(UserError, match="username"):
        users.add_user("li wei", password=PASSWORD, role="viewer", at=T0)
    users.add_user("li", password=PASSWORD, role="viewer", at=T0)
    with pytest.raises(UserError, match="exists already"):
        users.add_user("li", password=PASSWORD, role="admin", at=T0)


def test_check_password_refuses_wrong_unknown_and_disabled(users):
    user = users.add_user("li", password=PASSWORD, role="operator", at=T0, display_name="李伟", language="en")
    assert (user.display_name, user.role, user.language, user.disabled) == ("李伟", Role.OPERATOR, "en", False)
    assert users.check_password("li", PASSWORD) == user
    assert users.check_password("li", PASSWORD[:-1]) is None
    assert users.check_password("nobody", PASSWORD) is None
    users.update_user("li", disabled=True)
    assert users.check_password("li", PASSWORD) is None


def test_password_is_never_stored_in_clear(users, tmp_path):
    users.add_user("li", password=PASSWORD, role="viewer", at=T0)
    assert PASSWORD.encode() not in (tmp_path / "users.sqlite3").read_bytes()


def test_set_password_replaces_it_and_ends_sessions(users):
    users.add_user("li", password=PASSWORD, role="viewer", at=T0)
    session_id, _ = users.create_session("li", T0, timedelta(hours=12))
    users.set_password("li", "another long password")
    assert users.check_password("li", PASSWORD) is None
    assert users.check_password("li", "another long password") is not None
    assert users.session_user(session_id, T0) is None
    with pytest.raises(NoSuchUser):
        users.set_password("nobody", "another long password")


def test_api_token_identifies_its_user_until_revoked(users):
    users.add_user("li", password=PASSWORD, role="operator", at=T0)
    token, secret = users.create_token("li", "backup script", T0)
    assert secret.startswith("itops_") and len(secret) >= 46 and token.last_used_at is None
    assert users.user_for_token(secret, T0 + timedelta(minutes=1)).username == "li"
    assert users.list_tokens("li")[0].last_used_at == T0 + timedelta(minutes=1)
    assert users.user_for_token(secret[:-1], T0) is None
    revoked = users.revoke_token("li", token.id, T0 + timedelta(hours=1))
    assert revoked.revoked_at == T0 + timedelta(hours=1)
    assert users.user_for_token(secret, T0 + timedelta(hours=2)) is None
    with pytest.raises(NoSuchUser):
        users.revoke_token("li", "0000", T0)


def test_token_of_a_disabled_user_identifies_nobody(users, tmp_path):
    users.add_user("li", password=PASSWORD, role="operator", at=T0)
    _, secret = users.create_token("li", "script", T0)
    assert secret.encode() not in (tmp_path / "users.sqlite3").read_bytes()
    users.update_user("li", disabled=True)
    assert users.user_for_token(secret, T0) is None


def test_session_lives_until_its_expiry_or_logout(users):
    users.add_user("li", password=PASSWORD, role="viewer", at=T0)
    session_id, csrf = users.create_session("li", T0, timedelta(hours=12))
    user, stored_csrf = users.session_user(session_id, T0 + timedelta(hours=11, minutes=59))
    assert user.username == "li" and stored_csrf == csrf and csrf != session_id
    assert users.session_user(session_id, T0 + timedelta(hours=12)) is None
    assert users.session_user("made-up", T0) is None
    users.end_session(session_id)
    assert users.session_user(session_id, T0 + timedelta(hours=1)) is None


def test_role_change_applies_to_live_sessions(users):
    users.add_user("li", password=PASSWORD, role="viewer", at=T0)
    session_id, _ = users.create_session("li", T0, timedelta(hours=12))
    users.update_user("li", role="admin")
    assert users.session_user(session_id, T0)[0].role is Role.ADMIN


def test_audit_log_newest_first_filtered_by_who(users):
    for minute, who in enumerate(["li", "wang", "li"]):
        users.record_audit(AuditEntry(at=T0 + timedelta(minutes=minute), who=who, role="operator", via="session",
                                      method="POST", path=f"/api/v1/x/{minute}", status=200, remote="127.0.0.1",
                                      detail=audit_detail({"b": 1, "a": 2})))
    entries = users.audit(limit=10, who="li")
    assert [e.path for e in entries] == ["/api/v1/x/2", "/api/v1/x/0"] and entries[0].detail == '["a", "b"]'
    assert len(users.audit(limit=1)) == 1


def test_audit_detail_keeps_field_names_never_values():
    assert audit_detail({"username": "li", "password": PASSWORD}) == '["password", "username"]'
    assert audit_detail(["x"]) == "" and audit_detail(None) == ""


def test_reopening_keeps_users(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    first = UserStore.open(url)
    first.add_user("li", password=PASSWORD, role="admin", at=T0)
    first.close()
    again = UserStore.open(url)
    assert [u.username for u in again.list_users()] == ["li"]
    again.close()


def test_update_user_with_nothing_to_change_says_so(users):
    users.add_user("li", password=PASSWORD, role="viewer", at=T0)
    with pytest.raises(UserError, match="body: nothing to change"):
        users.update_user("li")
    with pytest.raises(UserError, match="nothing to change"):
        users.update_user("nobody")


def _entry(at: datetime, path: str = "/api/v1/users", who: str = "li", method: str = "POST") -> AuditEntry:
    return AuditEntry(at=at, who=who, role=None, via=None, method=method, path=path, status=401, remote="192.0.2.7")


def test_audit_entry_is_bounded_field_by_field(users):
    users.record_audit(_entry(T0, path="/api/v1/" + "x" * 7000, who="y" * 5000, method="Z" * 300))
    stored = users.audit(limit=1)[0]
    assert (len(stored.path), len(stored.who), len(stored.method)) == (AUDIT_PATH_MAX_CHARS, 100, 10)
    assert stored.path.startswith("/api/v1/xxx")


def test_prune_audit_forgets_entries_older_than_the_cutoff(users):
    for days in (401, 400, 399, 0):
        users.record_audit(_entry(T0 - timedelta(days=days), path=f"/api/v1/{days}"))
    assert users.prune_audit(before=T0 - timedelta(days=400)) == 1
    assert [e.path for e in users.audit(limit=10)] == ["/api/v1/0", "/api/v1/399", "/api/v1/400"]
