// Sends one message with the AI SDK's own chat client, as `useChat` does: `AbstractChat` over
// `DefaultChatTransport`, against our server. Usage:
//   node ai_sdk_send.mjs <base url> <access token> <chat id> <JSON: {text, files?, body?}>
// `files` are the SDK's file parts ({type: "file", mediaType, url, filename?}); `body` is merged into the
// request (e.g. {model}). Prints the chat's messages as JSON once the reply has ended.
// AI_PACKAGE picks the major: `ai` (the current one) or `ai-v6` (the previous one, an npm alias).
import { PlainState } from "./plain_chat_state.mjs";
const { AbstractChat, DefaultChatTransport } = await import(process.env.AI_PACKAGE ?? "ai");

const [baseUrl, token, id, spec] = process.argv.slice(2);
const { text, files, body } = JSON.parse(spec);

const chat = new AbstractChat({
  id,
  state: new PlainState(),
  transport: new DefaultChatTransport({
    api: `${baseUrl}/v1/chats/${id}/stream`,
    headers: { authorization: `Bearer ${token}` },
  }),
});
await chat.sendMessage({ text, files }, { body });
if (chat.error) throw chat.error;
process.stdout.write(JSON.stringify(chat.messages));
