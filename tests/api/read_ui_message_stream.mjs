// Reads a UI message stream (our SSE bytes, on stdin) with the AI SDK's own client code, the way
// `useChat` does, and prints {message, error} as JSON: the wire format is checked by the library that
// frontends use, not by our reading of its docs.
// AI_PACKAGE picks the major: `ai` (the current one) or `ai-v6` (the previous one, an npm alias).
const { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } = await import(process.env.AI_PACKAGE ?? "ai");

const bytes = [];
for await (const chunk of process.stdin) bytes.push(chunk);
const body = new ReadableStream({
  start(controller) {
    controller.enqueue(new Uint8Array(Buffer.concat(bytes)));
    controller.close();
  },
});

const chunks = parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).pipeThrough(
  new TransformStream({
    transform(part, controller) {
      if (!part.success) throw part.error; // a chunk the SDK's schema refuses
      controller.enqueue(part.value);
    },
  }),
);

let message = null;
let error = null;
try {
  for await (const snapshot of readUIMessageStream({ stream: chunks, terminateOnError: true })) {
    message = snapshot;
  }
} catch (caught) {
  error = String(caught.message ?? caught);
}
process.stdout.write(JSON.stringify({ message, error }));
