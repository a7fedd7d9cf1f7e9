// The client in use, end to end: sign up, create a chat, post a message, upload a file, list them all.
// Every step asserts what it gets back; any failure exits non-zero. Run against a server:
//   node_modules/.bin/tsc -p clients/typescript --outDir <dir> && node <dir>/example.js http://127.0.0.1:8787
// (tests/api/test_typescript_client.py does exactly this against the local server).
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { createApiClient, fileForm, type Problem } from "./client.js";

const baseUrl = process.argv[2] ?? "http://127.0.0.1:8787";

/** A call's data, or a thrown error naming its problem (openapi-fetch returns `{data}` or `{error}`). */
function ok<T>(result: { data?: T; error?: unknown; response: Response }, step: string): NonNullable<T> {
  assert.ok(result.response.ok, `${step}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  assert.ok(result.data !== undefined && result.data !== null, `${step}: no body`);
  return result.data;
}

const anonymous = createApiClient(baseUrl);
const email = `ts-client-${randomUUID()}@example.com`;
const session = ok(
  await anonymous.POST("/v1/auth/signup", {
    body: { email, password: "correct horse battery staple", name: "TypeScript" },
  }),
  "signup",
);
assert.equal(session.user.email, email);
assert.equal(session.token_type, "Bearer");

const api = createApiClient(baseUrl, () => session.access_token);

const chatId = randomUUID();
const chat = ok(await api.POST("/v1/chats", { body: { id: chatId, title: "From TypeScript" } }), "create chat");
assert.equal(chat.id, chatId);
assert.equal(chat.title, "From TypeScript");
assert.equal(chat.visibility, "private");

const messageId = randomUUID();
const posted = ok(
  await api.POST("/v1/chats/{chat_id}/messages", {
    params: { path: { chat_id: chatId } },
    body: { id: messageId, role: "user", parts: [{ type: "text", text: "Hello from TypeScript" }] },
  }),
  "post message",
);
assert.deepEqual(
  posted.map((message) => message.id),
  [messageId],
);

const content = new TextEncoder().encode("hello, typed world\n");
const file = ok(
  await api.POST("/v1/files", {
    body: { file: new Blob([content], { type: "text/plain" }) },
    bodySerializer: (body) => fileForm(body, "hello.txt"),
  }),
  "upload file",
);
assert.equal(file.filename, "hello.txt");
assert.equal(file.content_type, "text/plain");
assert.equal(file.size, content.byteLength);
assert.equal(file.sha256, createHash("sha256").update(content).digest("hex"));

const chats = ok(await api.GET("/v1/chats", { params: { query: { limit: 10 } } }), "list chats");
assert.deepEqual(
  chats.items.map((item) => item.id),
  [chatId],
);

const messages = ok(
  await api.GET("/v1/chats/{chat_id}/messages", { params: { path: { chat_id: chatId } } }),
  "list messages",
);
assert.deepEqual(
  messages.items.map((message) => [message.id, message.role, message.parts]),
  [[messageId, "user", [{ type: "text", text: "Hello from TypeScript" }]]],
);

const files = ok(await api.GET("/v1/files"), "list files");
assert.deepEqual(
  files.items.map((item) => item.id),
  [file.id],
);

// Refusals are typed problems too: another id is 404 `not_found`, no token is 401 `invalid_token`.
const missing = await api.GET("/v1/chats/{chat_id}", { params: { path: { chat_id: randomUUID() } } });
assert.equal(missing.response.status, 404);
const notFound: Problem | undefined = missing.error;
assert.equal(notFound?.code, "not_found");
const unauthenticated = await anonymous.GET("/v1/chats");
assert.equal(unauthenticated.response.status, 401);
assert.equal(unauthenticated.error?.code, "invalid_token");

console.log(`ok: signed up ${email}, chat ${chatId}, message ${messageId}, file ${file.id}`);
