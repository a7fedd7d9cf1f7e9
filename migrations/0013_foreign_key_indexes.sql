-- Every foreign key needs an index whose leftmost column(s) are its child column(s): deleting a user
-- makes SQLite look up each child table's rows for that user (to cascade), and without such an index
-- that lookup reads the whole child table. These three were missing, so deleting one user read every
-- message of every user, and at 1M messages the maintenance's clean-up of 200 guests ran past D1's 30 s
-- query limit (bench/foreign_key_indexes.py). tests/unit/test_schema_indexes.py keeps it that way.
CREATE INDEX IF NOT EXISTS messages_by_user ON messages (user_id);
CREATE INDEX IF NOT EXISTS votes_by_user ON votes (user_id);
CREATE INDEX IF NOT EXISTS suggestions_by_user ON suggestions (user_id);
