// Drives a chat with the AI SDK's own client classes, as `useChat` does: `AbstractChat` (what the React,
// Vue and Svelte hooks wrap) over `DefaultChatTransport`, against our server. Usage:
//   node ai_sdk_chat.mjs <base url> <access token>
// It sends a message, regenerates the reply (`chat.regenerate()`), edits the message
// (`chat.sendMessage({text, messageId})`) and prints, as JSON, the chat's id and its messages after each
// step. The chat id and message ids are the SDK's own `generateId()` ids.
// AI_PACKAGE picks the major: `ai` (the current one) or `ai-v6` (the previous one, an npm alias).
import { PlainState } from "./plain_chat_state.mjs";
const { AbstractChat, DefaultChatTransport, generateId } = await import(process.env.AI_PACKAGE ?? "ai");

const [baseUrl, token] = process.argv.slice(2);

const id = generateId();
const chat = new AbstractChat({
  id,
  state: new PlainState(),
  transport: new DefaultChatTransport({
    api: `${baseUrl}/v1/chats/${id}/stream`,
    headers: { authorization: `Bearer ${token}` },
  }),
});

const steps = {};
const snapshot = () => chat.messages.map(({ id, role, parts }) => ({ id, role, parts }));
const check = () => {
  if (chat.error) throw chat.error;
};

await chat.sendMessage({ text: "Tell me about harbors" });
check();
steps.sent = snapshot();
await chat.regenerate();
check();
steps.regenerated = snapshot();
await chat.sendMessage({ text: "Tell me about lighthouses", messageId: chat.messages[0].id });
check();
steps.edited = snapshot();
process.stdout.write(JSON.stringify({ chatId: id, steps }));
