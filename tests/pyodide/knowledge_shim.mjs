// Stand-ins for the two knowledge bindings that have no local simulator (Miniflare proxies both to
// Cloudflare), each named as workerd names it (`VectorizeIndexImpl`, `Ai`) so the Workers SDK wraps it
// as in production. They answer in the documented shapes and enforce the documented limits, which the
// adapters also check first: a stand-in that refused less would let an adapter's missing check pass.
//
// * Vectorize (V2, metric cosine): writes are asynchronous, as on Cloudflare: `upsert` and `deleteByIds`
//   answer `{mutationId}` at once and are applied only when `describe()` is next called (which then
//   reports `processedUpToMutation`). A read before that does not see them.
// * Workers AI embeddings (`@cf/baai/bge-small-en-v1.5`, 384 dimensions, <= 100 texts per call): each
//   text's vector is its words and character trigrams hashed into 384 buckets, normalised. Not the
//   model's vectors, but texts sharing words are near, the same text gets the same vector, and the
//   answer is `{shape, data}` as the binding's.

export class VectorizeStandIn {
  constructor(dimensions) {
    this.dimensions = dimensions;
    this.vectors = new Map(); // id -> {id, values, namespace, metadata}
    this.pending = []; // [mutationId, apply]
    this.processed = null;
    this.count = 0;
  }
  #mutation(apply) {
    this.count += 1;
    const mutationId = `mutation-${this.count}`;
    this.pending.push([mutationId, apply]);
    return { mutationId };
  }
  async upsert(vectors) {
    if (vectors.length > 1000) throw new Error("VECTOR_UPSERT_ERROR (code = 40007): too many vectors");
    for (const v of vectors) {
      if (v.values.length !== this.dimensions) {
        throw new Error(`VECTOR_UPSERT_ERROR (code = 40012): vector ${v.id} has ${v.values.length} dimensions`);
      }
    }
    const copies = vectors.map((v) => structuredClone(v));
    return this.#mutation(() => copies.forEach((v) => this.vectors.set(v.id, v)));
  }
  async deleteByIds(ids) {
    if (ids.length > 100) throw new Error("VECTOR_DELETE_ERROR (code = 40009): at most 100 ids");
    const copy = [...ids];
    return this.#mutation(() => copy.forEach((id) => this.vectors.delete(id)));
  }
  async getByIds(ids) {
    return ids.filter((id) => this.vectors.has(id)).map((id) => structuredClone(this.vectors.get(id)));
  }
  async query(vector, options = {}) {
    const { topK = 5, namespace, returnMetadata = "none", filter } = options;
    const most = returnMetadata === "all" ? 20 : 100;
    if (topK < 1 || topK > most) throw new Error(`VECTOR_QUERY_ERROR (code = 40025): topK is 1 to ${most}`);
    if (vector.length !== this.dimensions) throw new Error("VECTOR_QUERY_ERROR (code = 40012): dimensions");
    const unit = (values) => {
      const norm = Math.hypot(...values) || 1;
      return values.map((x) => x / norm);
    };
    const q = unit(vector);
    const matches = [...this.vectors.values()]
      .filter((v) => (v.namespace ?? null) === (namespace ?? null) && passes(v.metadata ?? {}, filter ?? {}))
      .map((v) => ({ v, score: unit(v.values).reduce((sum, x, i) => sum + x * q[i], 0) }))
      .sort((a, b) => b.score - a.score || (a.v.id < b.v.id ? -1 : 1))
      .slice(0, topK)
      .map(({ v, score }) => ({ id: v.id, score, ...(returnMetadata === "all" ? { metadata: v.metadata ?? {} } : {}) }));
    return { count: matches.length, matches };
  }
  async describe() {
    for (const [mutationId, apply] of this.pending.splice(0)) {
      apply();
      this.processed = mutationId;
    }
    return {
      dimensions: this.dimensions,
      vectorCount: this.vectors.size,
      processedUpToMutation: this.processed,
      processedUpToDatetime: this.processed ? new Date().toISOString() : null,
    };
  }
}

function passes(metadata, filter) {
  return Object.entries(filter).every(([field, condition]) => {
    const value = metadata[field];
    const conditions = condition !== null && typeof condition === "object" ? condition : { $eq: condition };
    return Object.entries(conditions).every(([op, operand]) => {
      switch (op) {
        case "$eq": return value === operand;
        case "$ne": return value !== operand;
        case "$in": return operand.includes(value);
        case "$nin": return !operand.includes(value);
        case "$lt": return value < operand;
        case "$lte": return value <= operand;
        case "$gt": return value > operand;
        case "$gte": return value >= operand;
        default: throw new Error(`VECTOR_QUERY_ERROR (code = 40027): unknown operator ${op}`);
      }
    });
  });
}

const EMBEDDING_DIMENSIONS = { "@cf/baai/bge-small-en-v1.5": 384 };

export class EmbeddingAiStandIn {
  constructor() {
    this.calls = [];
  }
  async run(model, inputs) {
    this.calls.push({ model, texts: inputs.text.length });
    const dimensions = EMBEDDING_DIMENSIONS[model];
    if (!dimensions) throw new Error(`AiError: 5007: No such model ${model} or task`);
    if (inputs.text.length > 100) throw new Error("AiError: 5006: Type mismatch of '/text', too many items");
    const data = inputs.text.map((text) => hashedVector(text, dimensions));
    return { shape: [data.length, dimensions], data, pooling: "mean" };
  }
}

function hashedVector(text, dimensions) {
  const vector = new Array(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const features = [...words, ...words.flatMap((w) => [...Array(Math.max(w.length - 2, 0)).keys()].map((i) => w.slice(i, i + 3)))];
  for (const feature of features) {
    let hash = 2166136261;
    for (const char of feature) hash = Math.imul(hash ^ char.codePointAt(0), 16777619) >>> 0;
    vector[hash % dimensions] += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}
