-- Failed-login and signup counters, per account and per client IP. Kept in D1 (strongly consistent),
-- not KV: KV's eventual consistency would let an attacker spread guesses across edge locations.
CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY NOT NULL,   -- 'login:account:<email>', 'login:ip:<ip>', 'signup:ip:<ip>'
    failures INTEGER NOT NULL,       -- attempts counted in the current window
    locked_until TEXT,               -- no attempt is even checked before this time
    updated_at TEXT NOT NULL         -- the window restarts when this is older than the window length
) WITHOUT ROWID;
