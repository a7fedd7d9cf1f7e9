// Starts real Pyodide (npm `pyodide`, the version Python Workers run) inside Node, next to Miniflare's D1,
// KV and R2 (workerd's own implementations), and exposes those bindings to Python the way production does:
// each binding carries the constructor name workerd gives it, so the pinned workers-runtime-sdk's
// `_EnvWrapper` wraps it exactly as in a deployed Worker. Used by the contract suite (run.mjs) and benches.
// Also: a Durable Object's storage (durable_object_shim.mjs), the ChatRoom object's surroundings
// (chat_room_shim.mjs), stand-ins for Vectorize and Workers AI embeddings (knowledge_shim.mjs) and the
// HTTP server of the HTTP client contract.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { loadPyodide } from "pyodide";
import {
  DURABLE_OBJECT_CLASS,
  durableObjects,
  newDurableObjectContext,
  workerScript,
} from "./durable_object_shim.mjs";
import { chatRoomEnv, installWorkerdGlobals } from "./chat_room_shim.mjs";
import { EmbeddingAiStandIn, VectorizeStandIn } from "./knowledge_shim.mjs";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// The workers-runtime-sdk that `uv sync` installed from uv.lock: the same pinned version production bundles.
function sdkSitePackages() {
  if (process.env.WORKERS_SDK_SITE) return process.env.WORKERS_SDK_SITE;
  const lib = join(repoRoot, ".venv", "lib");
  for (const python of existsSync(lib) ? readdirSync(lib) : []) {
    const site = join(lib, python, "site-packages");
    if (existsSync(join(site, "workers", "rpc.py"))) return site;
  }
  throw new Error("workers-runtime-sdk not found: run `uv sync` first (or set WORKERS_SDK_SITE)");
}

// Keep Miniflare's compatibility date equal to the one we deploy with.
function compatibilityDate() {
  const toml = readFileSync(join(repoRoot, "wrangler.toml"), "utf8");
  const match = toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error("wrangler.toml has no compatibility_date");
  return match[1];
}

// workerd's constructor names, which the SDK's `_EnvWrapper` checks to decide how to wrap a binding.
function named(constructorName, target) {
  const Constructor = { [constructorName]: class {} }[constructorName];
  return new Proxy(target, {
    get(t, prop) {
      if (prop === "constructor") return Constructor;
      const value = t[prop];
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

const TEST_JWT_SECRET = "pyodide-suite-jwt-secret-0123456789abcdef";

// The contract queue and its dead-letter queue, configured as wrangler.toml configures the ingest queue's
// consumer except for the waits: Miniflare's defaults differ from production's, so every value is set.
const CONTRACT_QUEUE = "contract-queue";
const QUEUE_CONSUMER = { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 2, retryDelay: 0 };

export async function startRuntime() {
  const http = await startContractHttpServer();
  const mf = new Miniflare({
    modules: true,
    script: workerScript,
    compatibilityDate: compatibilityDate(),
    // CHAT_ROOM: the Platform needs the namespace; the ChatRoomObject behind it is Python, which Miniflare
    // cannot run, so a stand-in class answers (nothing here calls it).
    durableObjects: { ...durableObjects, CHAT_ROOM: { className: DURABLE_OBJECT_CLASS, useSQLite: true } },
    // Plain-text vars and secrets reach the Worker in `env` like wrangler.toml [vars] and `wrangler secret`;
    // LOG_LEVEL is left unset on purpose so the suite sees a missing variable take its default.
    bindings: {
      ENVIRONMENT: "production",
      MAX_REQUEST_BODY_BYTES: "2048",
      JWT_SECRETS: TEST_JWT_SECRET,
      HARNESS_URL: http.url,
    },
    queueProducers: { INGEST_QUEUE: { queueName: CONTRACT_QUEUE } },
    queueConsumers: {
      [CONTRACT_QUEUE]: { ...QUEUE_CONSUMER, deadLetterQueue: `${CONTRACT_QUEUE}-dlq` },
      [`${CONTRACT_QUEUE}-dlq`]: QUEUE_CONSUMER,
    },
    d1Databases: ["DB"],
    kvNamespaces: ["CACHE"],
    r2Buckets: ["FILES"],
  });
  const raw = await mf.getBindings();
  const env = {
    ENVIRONMENT: raw.ENVIRONMENT,
    MAX_REQUEST_BODY_BYTES: raw.MAX_REQUEST_BODY_BYTES,
    JWT_SECRETS: raw.JWT_SECRETS,
    DB: named("D1Database", raw.DB),
    CACHE: named("KvNamespace", raw.CACHE),
    FILES: named("R2Bucket", raw.FILES),
    CHAT_ROOM: named("DurableObjectNamespace", raw.CHAT_ROOM),
    INGEST_QUEUE: named("WorkerQueue", raw.INGEST_QUEUE),
  };

  installWorkerdGlobals();
  const py = await loadPyodide();
  py.mountNodeFS("/repo", repoRoot);
  py.mountNodeFS("/host-site-packages", sdkSitePackages());
  // Stand-ins for the two JS modules workerd provides to the SDK.
  py.registerJsModule("_pyodide_entrypoint_helper", { patchWaitUntil() {} });
  py.registerJsModule("_cloudflare_compat_flags", {
    python_workflows_implicit_dependencies: true,
    python_request_headers_preserve_commas: true,
  });
  py.registerJsModule("workerbase_test_env", {
    env,
    newDurableObjectContext: () => newDurableObjectContext(mf),
    chatRoomEnv: (call, vars) => chatRoomEnv(mf, env, call, vars),
    httpServerUrl: http.url,
    refusedUrl: http.refusedUrl,
    newVectorIndex: (dimensions) => named("VectorizeIndexImpl", new VectorizeStandIn(dimensions)),
    newEmbeddingAi: () => named("Ai", new EmbeddingAiStandIn()),
    nextQueueBatch: http.nextQueueBatch,
  });
  await py.runPythonAsync(`
import shutil, sys
sys.dont_write_bytecode = True  # /repo is the host checkout: leave no Pyodide .pyc files in it
# Copy only the SDK out of the host's site-packages: the rest (pydantic_core...) is built for CPython.
shutil.copytree("/host-site-packages/workers", "/sdk/workers")
shutil.copy("/host-site-packages/asgi.py", "/sdk/asgi.py")
sys.path[:0] = ["/sdk", "/repo/src", "/repo"]
`);
  return { py, mf, env, raw, httpServer: http.server };
}

// The routes of tests/contracts/test_http_client.py (its docstring), from Node: Pyodide has no sockets.
async function startContractHttpServer() {
  const states = new Map(); // stream key -> "streaming" | "finished" | "disconnected"
  const unusedReleases = new Map(); // stream key -> releases that came before the stream waited
  const waiting = new Map(); // stream key -> resolves the stream's wait for a release
  const release = (key) => {
    const wake = waiting.get(key);
    waiting.delete(key);
    if (wake) wake();
    else unusedReleases.set(key, (unusedReleases.get(key) ?? 0) + 1);
  };
  const released = (key) =>
    new Promise((resolve) => {
      const unused = unusedReleases.get(key) ?? 0;
      if (unused > 0) {
        unusedReleases.set(key, unused - 1);
        resolve();
      } else waiting.set(key, resolve);
    });
  const server = createServer(async (req, res) => {
    const parts = [];
    for await (const part of req) parts.push(part);
    const body = Buffer.concat(parts);
    const [route, key = ""] = req.url.slice(1).split("/");
    const send = (status, text) => {
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(text);
    };
    if (route === "echo") {
      send(200, JSON.stringify({ method: req.method, headers: req.headers, body_hex: body.toString("hex") }));
    } else if (route === "status") send(Number(key), key === "204" ? undefined : `status ${key}`);
    else if (route === "release") {
      release(key);
      send(200, "{}");
    } else if (route === "state") send(200, JSON.stringify({ state: states.get(key) ?? "unknown" }));
    else if (route === "stream") {
      states.set(key, "streaming");
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("chunk 0\n");
      const gone = new Promise((resolve) => res.on("close", () => resolve("gone")));
      for (const index of [1, 2]) {
        if ((await Promise.race([released(key), gone])) === "gone") {
          states.set(key, "disconnected");
          return;
        }
        res.write(`chunk ${index}\n`);
      }
      res.end();
      states.set(key, "finished");
    } else if (route === "queue") {
      const batch = queueBatch(JSON.parse(body.toString()));
      deliveredBatches.push(batch);
      batchArrived?.();
      send(200, JSON.stringify(await batch.handled));
    } else send(404, "");
  });
  // Batches the queue broker delivered (the Worker's `queue` handler posts each), waiting for Python
  // (`nextQueueBatch`) to consume them; each is answered with Python's verdict per message.
  const deliveredBatches = [];
  let batchArrived = null;
  const nextQueueBatch = async () => {
    while (deliveredBatches.length === 0) await new Promise((arrived) => (batchArrived = arrived));
    return deliveredBatches.shift();
  };
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  server.unref(); // benches that never close it can still exit
  // A port nothing listens on: bound, then closed.
  const probe = createServer();
  await new Promise((ready) => probe.listen(0, "127.0.0.1", ready));
  const refusedPort = probe.address().port;
  await new Promise((closed) => probe.close(closed));
  return {
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    refusedUrl: `http://127.0.0.1:${refusedPort}/`,
    nextQueueBatch,
  };
}

// A delivered batch as the Workers runtime hands it to a `queue` handler: a MessageBatch with `queue`
// and its messages (`id`, `body`, `attempts`, `ack()`, `retry({delaySeconds})`), whose acks and retries
// are recorded and sent back to the broker once Python calls `done()`.
class QueueMessage {
  constructor({ id, body, attempts }, verdicts) {
    Object.assign(this, { id, body, attempts });
    this.ack = () => (verdicts[id] = { ack: true });
    this.retry = (options) => (verdicts[id] = { ack: false, delaySeconds: options?.delaySeconds ?? 0 });
  }
}

class MessageBatch {
  constructor({ queue, messages }) {
    const verdicts = {};
    this.queue = queue;
    this.messages = messages.map((message) => new QueueMessage(message, verdicts));
    this.handled = new Promise((resolve) => (this.done = () => resolve(verdicts)));
  }
}

const queueBatch = (delivered) => new MessageBatch(delivered);
