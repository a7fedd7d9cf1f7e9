-- A chat's own system prompt (issue 13): what the model is told before the conversation. Empty: the
-- deployment's default (`SYSTEM_PROMPT`), or none.
ALTER TABLE chats ADD COLUMN system_prompt TEXT NOT NULL DEFAULT '';
