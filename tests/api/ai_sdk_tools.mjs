// A reply that waits for the client, driven by the AI SDK's own client classes as `useChat` drives it:
// `AbstractChat` over `DefaultChatTransport`, the answer given by `addToolOutput` (a client-side tool, in
// `onToolCall`) or `addToolApprovalResponse`, and sent by `sendAutomaticallyWhen` with the SDK's own
// `lastAssistantMessageIsCompleteWith*` helpers. Usage:
//   node ai_sdk_tools.mjs <base url> <access token> <spec JSON>
// spec: {text, model, answer: "output" | "approve" | "deny", reason?, clientTools?}. Prints, as JSON, the
// messages when `sendMessage` resolved (a client-side tool's answer is sent before that; an approval
// waits for the user), the bodies of the requests sent, and the messages at the end.
// AI_PACKAGE picks the major: `ai` (the current one) or `ai-v6` (the previous one, an npm alias).
import { PlainState } from "./plain_chat_state.mjs";
const ai = await import(process.env.AI_PACKAGE ?? "ai");
const { AbstractChat, DefaultChatTransport, generateId } = ai;

const [baseUrl, token, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);

const requests = [];
const id = generateId();
const chat = new AbstractChat({
  id,
  state: new PlainState(),
  transport: new DefaultChatTransport({
    api: `${baseUrl}/v1/chats/${id}/stream`,
    headers: { authorization: `Bearer ${token}` },
    body: { model: spec.model, clientTools: spec.clientTools ?? [] },
    fetch: (url, init) => {
      requests.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  }),
  onToolCall: ({ toolCall }) => {
    if (spec.answer === "output" && toolCall.toolName === "getLocation") {
      // Not awaited, as the SDK's docs say: the output is sent once the stream has ended.
      chat.addToolOutput({ tool: "getLocation", toolCallId: toolCall.toolCallId, output: { city: "Lisbon" } });
    }
  },
  sendAutomaticallyWhen:
    spec.answer === "output"
      ? ai.lastAssistantMessageIsCompleteWithToolCalls
      : ai.lastAssistantMessageIsCompleteWithApprovalResponses,
});

const snapshot = () => chat.messages.map(({ id, role, parts, metadata }) => ({ id, role, parts, metadata }));
const check = () => {
  if (chat.error) throw chat.error;
};

await chat.sendMessage({ text: spec.text });
check();
const sent = snapshot();
if (spec.answer !== "output") {
  const asking = chat.lastMessage.parts.find((part) => part.state === "approval-requested");
  await chat.addToolApprovalResponse({
    id: asking.approval.id,
    approved: spec.answer === "approve",
    reason: spec.reason,
  });
}
// The SDK sends the answer on its own (not awaited by the calls above): wait for that request to end.
for (let waited = 0; !(requests.length === 2 && chat.status === "ready"); waited += 10) {
  check();
  if (waited > 10_000) throw new Error(`the answer was not sent (${requests.length} requests)`);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
check();
process.stdout.write(JSON.stringify({ sent, requests, messages: snapshot() }));
