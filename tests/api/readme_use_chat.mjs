// The README's `chatTransport` (extracted by the test into <module path>) under the AI SDK's own
// AbstractChat, as `useChat` runs it. Usage:
//   node readme_use_chat.mjs <module path> <base url> <session JSON> <chat id> send|resume
// `send` sends a message and regenerates the reply; `resume` resumes the reply being written in the chat.
// Prints, as JSON, the messages after each step and the session as the transport left it.
// AI_PACKAGE picks the major: `ai` (the current one) or `ai-v6` (the previous one, an npm alias).
import { pathToFileURL } from "node:url";
import { PlainState } from "./plain_chat_state.mjs";

const { AbstractChat } = await import(process.env.AI_PACKAGE ?? "ai");
const [modulePath, api, sessionJson, chatId, mode] = process.argv.slice(2);
const { chatTransport } = await import(pathToFileURL(modulePath).href);

const session = JSON.parse(sessionJson);
const chat = new AbstractChat({ id: chatId, state: new PlainState(), transport: chatTransport(api, chatId, session) });
const snapshot = () => chat.messages.map(({ id, role, parts }) => ({ id, role, parts }));
const check = () => {
  if (chat.error) throw chat.error;
};
const steps = {};
if (mode === "send") {
  await chat.sendMessage({ text: "Tell me about harbors" }, { body: { model: "echo" } });
  check();
  steps.sent = snapshot();
  await chat.regenerate({ body: { model: "echo" } });
  check();
  steps.regenerated = snapshot();
} else {
  await chat.resumeStream();
  check();
  steps.resumed = snapshot();
}
process.stdout.write(JSON.stringify({ steps, session }));
