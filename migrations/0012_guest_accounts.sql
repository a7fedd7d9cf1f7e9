-- Guest accounts (POST /v1/auth/guest, when GUEST_ACCOUNTS=on): users without an email or password of
-- their own, with the role `guest` (their own daily message limit). A column, not a new value of `role`:
-- SQLite cannot change the CHECK on `role` without rebuilding `users`, and dropping the old table would
-- cascade-delete everything users own. Reads report `role` as 'guest' for them.
ALTER TABLE users ADD COLUMN guest INTEGER NOT NULL DEFAULT 0 CHECK (guest IN (0, 1));

-- The maintenance looks for guests who can no longer sign in (no live session) to delete them.
CREATE INDEX users_guests ON users (created_at) WHERE guest = 1;
