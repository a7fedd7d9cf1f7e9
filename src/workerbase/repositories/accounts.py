"""SQL for users and their refresh-token sessions. Functions return `Statement`s so services can put
several in one `batch()` (one D1 round trip), and decode the rows they read with `USER`."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import UserRecord
from workerbase.repositories.rows import RecordRows

GUEST = "guest"


def role_column(table: str = "") -> str:
    """The role a user acts with: `guest` for guest accounts (migration 0012), else the `role` column."""
    return f"CASE WHEN {table}guest = 1 THEN '{GUEST}' ELSE {table}role END AS role"


USER = RecordRows(UserRecord)

# The f-strings below only put this module's constants into SQL (hence the noqa on S608).
_USER_COLUMNS = USER.columns(role=role_column())
_SELECT_USER = f"SELECT {_USER_COLUMNS} FROM users"  # noqa: S608
_SELECT_USER_BY_EMAIL = _SELECT_USER + " WHERE email = ?"
_SELECT_USER_BY_ID = _SELECT_USER + " WHERE id = ?"
_SELECT_USER_PAGE = (
    _SELECT_USER
    + " WHERE (?1 IS NULL OR (created_at, id) < (?1, ?2)) ORDER BY created_at DESC, id DESC LIMIT ?3"
)
# Exactly one row whether or not the email exists: the user's columns (NULL if unknown) and the locks.
_SELECT_LOGIN_CANDIDATE = (
    f"SELECT {USER.columns('users.', role=role_column('users.'))},"  # noqa: S608
    " (SELECT locked_until FROM login_throttles WHERE key = ?2) AS account_locked_until,"
    " (SELECT locked_until FROM login_throttles WHERE key = ?3) AS ip_locked_until"
    " FROM (SELECT 1) LEFT JOIN users ON users.email = ?1"
)
_UPDATE_NAME_RETURNING_USER = (
    f"UPDATE users SET name = ?, updated_at = ? WHERE id = ? RETURNING {_USER_COLUMNS}"  # noqa: S608
)
# Inserts nothing while the throttle key (?8) is locked at time ?9.
_INSERT_USER_UNLESS_THROTTLED = (
    "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at, guest)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?10"
    " WHERE NOT EXISTS (SELECT 1 FROM login_throttles WHERE key = ?8 AND locked_until > ?9)"
)


def insert_user_unless_throttled(user: UserRecord, throttle_key: str, now: datetime) -> Statement:
    """A user of role `guest` is stored as a guest account (its `role` column says `user`)."""
    guest = user.role == GUEST
    return Statement(
        _INSERT_USER_UNLESS_THROTTLED,
        [
            user.id,
            user.email,
            user.name,
            "user" if guest else user.role,
            user.password_hash,
            user.created_at,
            user.updated_at,
            throttle_key,
            iso(now),
            int(guest),
        ],
    )


def select_user_by_email(email: str) -> Statement:
    return Statement(_SELECT_USER_BY_EMAIL, [email])


def select_login_candidate(email: str, account_throttle_key: str, ip_throttle_key: str) -> Statement:
    return Statement(_SELECT_LOGIN_CANDIDATE, [email, account_throttle_key, ip_throttle_key])


def select_user_page(after: tuple[str, str] | None, limit: int) -> Statement:
    """Newest first; `after` is the (created_at, id) of the previous page's last user."""
    created_at, user_id = after if after is not None else (None, None)
    return Statement(_SELECT_USER_PAGE, [created_at, user_id, limit])


def select_user_by_id(user_id: str) -> Statement:
    return Statement(_SELECT_USER_BY_ID, [user_id])


def update_password_hash(user_id: str, password_hash: str, now: datetime) -> Statement:
    return Statement(
        "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", [password_hash, iso(now), user_id]
    )


def insert_refresh_token(
    token_hash: str, family_id: str, user_id: str, now: datetime, expires_at: datetime
) -> Statement:
    """Starts a session; inserts nothing if the user does not exist, so it can follow a conditional user
    insert in the same batch."""
    return Statement(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)"
        " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?3)",
        [token_hash, family_id, user_id, iso(now), iso(expires_at)],
    )


class RefreshRotation(NamedTuple):
    """The statements of one refresh-token rotation: one atomic batch, in this order.

    1. A token spent before the grace window is being replayed: revoke its whole family.
    2. Spend the presented token if it is live.
    3. Issue the successor if the presented token was spent just now or within the grace window (a
       concurrent refresh from a second tab) and its family is not revoked.
    4. Read back the user of the successor: (id, role) when one was issued, no row when the presented
       token is not acceptable.
    """

    revoke_replayed_family: Statement
    spend_presented: Statement
    issue_successor: Statement
    successor_user: Statement


def rotate_refresh_token(
    presented_hash: str,
    successor_hash: str,
    now: datetime,
    grace_start: datetime,
    successor_expires_at: datetime,
) -> RefreshRotation:
    return RefreshRotation(
        revoke_replayed_family=Statement(
            "UPDATE refresh_tokens SET revoked_at = ?1 WHERE revoked_at IS NULL AND family_id ="
            " (SELECT family_id FROM refresh_tokens WHERE token_hash = ?2 AND rotated_at < ?3)",
            [iso(now), presented_hash, iso(grace_start)],
        ),
        spend_presented=Statement(
            "UPDATE refresh_tokens SET rotated_at = ?1"
            " WHERE token_hash = ?2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?1",
            [iso(now), presented_hash],
        ),
        issue_successor=Statement(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at)"
            " SELECT ?1, family_id, user_id, ?2, ?3 FROM refresh_tokens"
            " WHERE token_hash = ?4 AND revoked_at IS NULL AND expires_at > ?2 AND rotated_at >= ?5",
            [successor_hash, iso(now), iso(successor_expires_at), presented_hash, iso(grace_start)],
        ),
        successor_user=Statement(
            f"SELECT users.id AS id, {role_column('users.')} FROM refresh_tokens"  # noqa: S608
            " JOIN users ON users.id = refresh_tokens.user_id WHERE refresh_tokens.token_hash = ?",
            [successor_hash],
        ),
    )


def revoke_family_of(token_hash: str, now: datetime) -> Statement:
    return Statement(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL"
        " AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ?)",
        [iso(now), token_hash],
    )


def revoke_all_sessions(user_id: str, now: datetime) -> Statement:
    return Statement(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        [iso(now), user_id],
    )


def update_user_name(user_id: str, name: str | None, now: datetime) -> Statement:
    return Statement(_UPDATE_NAME_RETURNING_USER, [name, iso(now), user_id])


def delete_unreachable_guests(created_before: datetime, now: datetime, limit: int) -> Statement:
    """Guests without a live session can never sign in again (they have no password): their accounts
    go, with everything they own (cascades; their files' objects are queued for deletion by trigger)."""
    return Statement(
        "DELETE FROM users WHERE id IN (SELECT id FROM users WHERE guest = 1 AND created_at < ?1"
        " AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE refresh_tokens.user_id = users.id"
        " AND refresh_tokens.revoked_at IS NULL AND refresh_tokens.expires_at > ?2) LIMIT ?3)",
        [iso(created_before), iso(now), limit],
    )


def delete_user(user_id: str) -> Statement:
    # Everything the user owns references users(id) ON DELETE CASCADE.
    return Statement("DELETE FROM users WHERE id = ?", [user_id])
