-- Messages each user sent to the model per UTC day, for the daily limits by role (DAILY_MESSAGE_LIMITS).
-- D1 is strongly consistent, so two tabs cannot both take the last message of the day.
CREATE TABLE daily_message_counts (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
