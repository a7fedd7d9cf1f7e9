// A SQLite-backed Durable Object's `ctx.storage` for the Pyodide contract suite, backed by a real Durable
// Object that Miniflare runs in workerd. Pyodide lives in Node, outside workerd, so it cannot be handed the
// object's storage itself; it gets a stand-in with the same surface whose every call runs in the object:
//
// * `sql.exec` is a call on an RpcTarget the object returns. Miniflare makes such calls synchronous from Node
//   (it blocks on Atomics.wait), matching workerd's synchronous `sql.exec`; rows, errors and value types are
//   workerd's own (BLOBs as ArrayBuffer, NULL as null, its error messages).
// * `transactionSync(fn)` cannot be forwarded: `fn` runs in Node, and workerd would need it synchronously
//   inside the object. workerd's transactionSync is a SQLite SAVEPOINT around `fn` (nested calls nest
//   savepoints: an inner failure undoes only the inner writes); user SQL cannot open one, and the async
//   `transaction()` blocks every other call into the object while it is open. So the stand-in replays:
//   inside a transaction each statement runs in the object as [real transactionSync per open level:
//   the statements so far, then this one], which is then rolled back; on the outermost commit, the
//   committed statements run once more for good inside real (nested) transactionSync calls. A level that
//   throws is dropped, which is what its savepoint's rollback does. Exact for deterministic SQL (no
//   random(), no clock), which is all the contract tests use. `checkSavepointSemantics` re-checks the
//   nesting rule on the real API at start-up, so a workerd that changes it fails the suite loudly.
// * Alarms are forwarded as they are (async in both).
export const DURABLE_OBJECT_CLASS = "ContractRoom";

// The Worker Miniflare runs: the contract object next to the usual trivial fetch handler.
export const workerScript = `
import { DurableObject, RpcTarget } from "cloudflare:workers";

class StorageBridge extends RpcTarget {
  constructor(storage) { super(); this.storage = storage; }
  exec(query, params) { return this.run(query, params); }
  // Run \`query\` as if inside the open transaction levels \`levels\` (lists of committed statements), then
  // undo everything: the caller only needs the statement's result (or its error).
  tentative(levels, query, params) {
    const undo = new Error("undo tentative run");
    let result;
    const enter = (depth) => this.storage.transactionSync(() => {
      this.replay(levels[depth]);
      if (depth + 1 < levels.length) enter(depth + 1);
      else result = this.run(query, params);
      throw undo;
    });
    try { enter(0); } catch (error) { if (error !== undo) throw error; }
    return result;
  }
  commit(statements) { this.storage.transactionSync(() => this.replay(statements)); }
  replay(statements) {
    for (const s of statements) {
      if (s.nested) this.storage.transactionSync(() => this.replay(s.nested));
      else this.storage.sql.exec(s.query, ...s.params).toArray();
    }
  }
  run(query, params) {
    const cursor = this.storage.sql.exec(query, ...params);
    const rows = cursor.toArray();  // consumed at once, as workerd wants
    // An array, not an object: Miniflare hands an RPC result object to Node as a proxy that costs a round
    // trip per property (and a stub workerd complains was never disposed); an array arrives as a copy.
    return [rows, cursor.columnNames, cursor.rowsRead, cursor.rowsWritten];
  }
  async setAlarm(at) { await this.storage.setAlarm(at); }
  async getAlarm() { return await this.storage.getAlarm(); }
  async deleteAlarm() { await this.storage.deleteAlarm(); }
  async reset() {
    await this.storage.deleteAlarm();
    await this.storage.deleteAll(); // in a SQLite-backed object, every table too
  }
  checkSavepointSemantics() {
    const sql = this.storage.sql;
    sql.exec("CREATE TABLE semantics (v TEXT)");
    this.storage.transactionSync(() => {
      sql.exec("INSERT INTO semantics VALUES ('outer')");
      try {
        this.storage.transactionSync(() => {
          sql.exec("INSERT INTO semantics VALUES ('inner')");
          throw new Error("x");
        });
      } catch {}
    });
    return sql.exec("SELECT v FROM semantics").toArray().map((row) => row.v);
  }
}

export class ${DURABLE_OBJECT_CLASS} extends DurableObject {
  bridge() { return new StorageBridge(this.ctx.storage); }
  async alarm() {}
}

export default {
  fetch() { return new Response("ok"); },
  // Miniflare's queue broker delivers here: each batch goes to the harness (Node), which hands it to
  // Python and answers, per message, whether Python acked it or asked for a retry.
  async queue(batch, env) {
    const messages = batch.messages.map((m) => ({ id: m.id, body: m.body, attempts: m.attempts }));
    const answer = await fetch(env.HARNESS_URL + "/queue", {
      method: "POST",
      body: JSON.stringify({ queue: batch.queue, messages }),
    });
    const verdicts = await answer.json();
    for (const m of batch.messages) {
      const verdict = verdicts[m.id];
      if (verdict?.ack) m.ack();
      else m.retry({ delaySeconds: verdict?.delaySeconds ?? 0 });
    }
  },
};
`;

export const durableObjects = { CONTRACT_ROOM: { className: DURABLE_OBJECT_CLASS, useSQLite: true } };

// workerd's cursor, over a result already read in the object.
class SqlStorageCursor {
  constructor([rows, columnNames, rowsRead, rowsWritten]) {
    this.rows = rows; // as workerd made them: Miniflare copies ArrayBuffers, nulls and numbers as they are
    this.columnNames = columnNames;
    this.rowsRead = rowsRead;
    this.rowsWritten = rowsWritten;
    this.position = 0;
  }
  toArray() {
    const rest = this.rows.slice(this.position);
    this.position = this.rows.length;
    return rest;
  }
  next() {
    if (this.position >= this.rows.length) return { done: true };
    return { done: false, value: this.rows[this.position++] };
  }
  [Symbol.iterator]() {
    return this;
  }
}

class SqlStorage {
  constructor(bridge, levels) {
    this.bridge = bridge;
    this.levels = levels;
  }
  exec(query, ...params) {
    if (this.levels.length === 0) return new SqlStorageCursor(this.bridge.exec(query, params));
    const result = this.bridge.tentative(this.levels, query, params);
    // Only statements that succeeded: a failed one changed nothing. Copies, so a buffer reused later cannot
    // change what the commit replays.
    this.levels.at(-1).push({ query, params: params.map((p) => (ArrayBuffer.isView(p) ? p.slice() : p)) });
    return new SqlStorageCursor(result);
  }
}

// Named as workerd names it, so the SDK's DurableObjectContext wraps it as in production.
class DurableObjectStorage {
  constructor(bridge) {
    this.levels = [];
    this.bridge = bridge;
    this.sql = new SqlStorage(bridge, this.levels);
  }
  transactionSync(fn) {
    this.levels.push([]);
    let result;
    try {
      result = fn();
    } catch (error) {
      this.levels.pop(); // the savepoint's rollback
      throw error;
    }
    const committed = this.levels.pop();
    if (this.levels.length > 0) this.levels.at(-1).push({ nested: committed });
    else this.bridge.commit(committed);
    return result;
  }
  async setAlarm(at) {
    return this.bridge.setAlarm(at instanceof Date ? at.getTime() : at);
  }
  async getAlarm() {
    return this.bridge.getAlarm();
  }
  async deleteAlarm() {
    return this.bridge.deleteAlarm();
  }
}

// One object per name for the whole run, emptied each time a context is asked for; their stubs stay
// referenced until Miniflare is disposed (the proxies cannot dispose them, and stubs left to the garbage
// collector make workerd log a warning).
const objects = new WeakMap(); // mf -> name -> { stub, bridge }

// `{ storage }` as the object's ctx has it, over an empty database with no alarm.
export async function newDurableObjectContext(mf, name = "contract-suite") {
  if (!objects.has(mf)) objects.set(mf, new Map());
  const bridges = objects.get(mf);
  if (!bridges.has(name)) {
    const namespace = await mf.getDurableObjectNamespace("CONTRACT_ROOM");
    const stub = namespace.get(namespace.idFromName(name));
    bridges.set(name, { stub, bridge: await stub.bridge() });
  }
  const { bridge } = bridges.get(name);
  await bridge.reset();
  return { storage: new DurableObjectStorage(bridge) };
}

export async function checkSavepointSemantics(mf) {
  const { storage } = await newDurableObjectContext(mf);
  const kept = storage.bridge.checkSavepointSemantics();
  if (JSON.stringify(kept) !== '["outer"]') {
    throw new Error(`workerd's nested transactionSync no longer works as the shim assumes: kept ${kept}`);
  }
}
