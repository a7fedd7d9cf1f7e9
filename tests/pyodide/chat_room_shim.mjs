// What workerd gives the ChatRoom Durable Object (src/workerbase/bindings/workers/chat_room_object.py) and the
// Worker that calls it, for tests/pyodide/chat_room_checks.py. Pyodide runs inside Node here, so the Python
// object lives in the same isolate as its caller; the stand-ins hand everything over as workerd does:
//
// * CHAT_ROOM: a namespace named as workerd names it (so the SDK wraps it as in production) whose
//   `getByName(name).fetch(input, init)` builds a Request and calls the named object's `fetch` through
//   `call` (chat_room_checks.py), which converts arguments and results as workerd's Python entrypoint does.
// * Each object's ctx: its storage is a real SQLite Durable Object's (durable_object_shim.mjs); the
//   hibernation WebSocket API keeps accepted sockets across instances (an evicted object's successor sees
//   them), answers the auto-response itself and turns other client messages into `webSocketMessage` calls.
// * WebSocketPair, WebSocketRequestResponsePair and a Response with status 101, which Node does not have.
// * AI: Workers AI has no local simulator (Miniflare proxies it to Cloudflare); this one answers `run`
//   in its documented streaming format: a ReadableStream of `data: {...}` events, then `data: [DONE]`.
import { newDurableObjectContext } from "./durable_object_shim.mjs";

const encoder = new TextEncoder();

// Node's Response refuses status 101; workerd accepts it with a `webSocket` (the client end of a pair).
const NodeResponse = globalThis.Response;
class Response extends NodeResponse {
  constructor(body, init) {
    if (init?.status !== 101) {
      super(body, init);
      return;
    }
    super(body, { ...init, status: 200 });
    Object.defineProperty(this, "status", { value: 101 });
    this.webSocket = init.webSocket ?? null;
  }
}

// One end of a WebSocketPair. What one end sends, the other receives: into `received`, or, once a Durable
// Object accepted it for hibernation, as a `webSocketMessage` call on the object.
class WebSocket {
  constructor() {
    this.peer = null;
    this.received = [];
    this.closedWith = null;
    this.onMessage = null;
    this.delivered = Promise.resolve(); // the object's handling of the last message it got (tests await it)
    this.attachment = undefined;
  }
  send(message) {
    if (this.closedWith) throw new TypeError("Can't call WebSocket send() after close().");
    this.peer.deliver(message);
  }
  deliver(message) {
    if (this.onMessage) this.delivered = Promise.resolve(this.onMessage(message));
    else this.received.push(message);
  }
  close(code = 1000, reason = "") {
    this.closedWith = { code, reason };
  }
  serializeAttachment(value) {
    const size = JSON.stringify(value).length;
    if (size > 16384) throw new RangeError(`attachment of ${size} bytes: at most 16 KiB`);
    this.attachment = structuredClone(value);
  }
  deserializeAttachment() {
    return structuredClone(this.attachment);
  }
}

class WebSocketPair {
  constructor() {
    const [client, server] = [new WebSocket(), new WebSocket()];
    client.peer = server;
    server.peer = client;
    this[0] = client;
    this[1] = server;
  }
}

class WebSocketRequestResponsePair {
  constructor(request, response) {
    this.request = request;
    this.response = response;
  }
}

export function installWorkerdGlobals() {
  globalThis.Response = Response;
  globalThis.WebSocketPair = WebSocketPair;
  globalThis.WebSocketRequestResponsePair = WebSocketRequestResponsePair;
}

// The scripted Workers AI binding. `answer(events, { pauseAfter })` sets what the next `run` streams (pausing
// before event `pauseAfter` until `release()`), `breakAfter` errors the stream there, `refuse(message)` makes
// `run` reject as the binding does for a bad model or input, `hang()` makes it never answer.
export class Ai {
  constructor() {
    this.calls = [];
    this.script = { events: [] };
    this.cancelled = false;
    this.wakeUp = null;
  }
  answer(events, { pauseAfter = -1, breakAfter = -1 } = {}) {
    this.script = { events, pauseAfter, breakAfter };
    this.cancelled = false;
  }
  refuse(message) {
    this.script = { refuse: message };
  }
  hang() {
    this.script = { hang: true };
  }
  release() {
    this.wakeUp?.();
  }
  async run(model, inputs) {
    this.calls.push({ model, inputs: structuredClone(inputs) });
    const { events, pauseAfter, breakAfter, refuse, hang } = this.script;
    if (refuse) throw new Error(refuse);
    if (hang) return new Promise(() => {});
    let next = 0;
    return new ReadableStream({
      pull: async (controller) => {
        if (next === pauseAfter) await new Promise((wake) => (this.wakeUp = wake));
        if (this.cancelled) return;
        if (next === breakAfter) controller.error(new Error("Network connection lost."));
        else if (next < events.length) controller.enqueue(encoder.encode(`data: ${JSON.stringify(events[next])}\n\n`));
        else {
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        }
        next += 1;
      },
      cancel: () => {
        this.cancelled = true;
        this.release(); // a paused pull ends with the stream
      },
    });
  }
}

class DurableObjectNamespace {
  constructor(mf, call) {
    this.mf = mf;
    this.call = call; // (name, ctx, method, ...args) => the object's answer; creates the object if needed
    this.contexts = new Map();
  }
  getByName(name) {
    return new DurableObject(this, name);
  }
  // An object's ctx: kept for the run, like the object's storage and its hibernated sockets.
  async context(name) {
    if (!this.contexts.has(name)) {
      const { storage } = await newDurableObjectContext(this.mf, `chat-room:${name}`);
      const sockets = [];
      const call = this.call;
      let autoResponse = null;
      const ctx = {
        storage,
        acceptWebSocket(ws) {
          ws.onMessage = (message) => {
            if (message === autoResponse?.request) ws.send(autoResponse.response); // the object sleeps on
            else return call(name, ctx, "webSocketMessage", ws, message);
          };
          sockets.push(ws);
        },
        getWebSockets: () => sockets.filter((ws) => !ws.closedWith),
        setWebSocketAutoResponse(pair) {
          autoResponse = pair;
        },
      };
      this.contexts.set(name, ctx);
    }
    return this.contexts.get(name);
  }
}

// A stub: `fetch` goes to the object, never to the network.
class DurableObject {
  constructor(namespace, name) {
    this.namespace = namespace;
    this.name = name;
  }
  async fetch(input, init) {
    const request = new Request(input, init);
    const ctx = await this.namespace.context(this.name);
    return await this.namespace.call(this.name, ctx, "fetch", request);
  }
}

// The Worker's env for the checks: the suite's bindings plus CHAT_ROOM, AI and the model settings.
export function chatRoomEnv(mf, env, call, vars) {
  const ai = new Ai();
  return { ai, env: { ...env, ...vars, AI: ai, CHAT_ROOM: new DurableObjectNamespace(mf, call) } };
}
