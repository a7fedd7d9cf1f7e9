// How much CPU does turning a D1 result into Python cost inside Pyodide? 1,000 rows x 8 columns (text,
// integer, real, NULL and BLOB columns) from Miniflare's D1, converted four ways, best of N runs each:
//   sdk_wrapper   what the workers-runtime-sdk binding wrapper does to every result (python_from_rpc)
//   adapter       our WorkersDatabase conversion: one to_py() + NULL/BLOB fix-ups (what production runs)
//   per_row       attribute access per row and column through the FFI, with the same fix-ups
//   json          JSON.stringify in JS + json.loads in Python (BLOBs would need extra decoding; not done)
//   to_py_only    one to_py() with no fix-ups: not correct (JS nulls, BLOBs as lists), the floor to beat
// Usage: node bench/pyodide_d1_conversion.mjs [runs=7]
import { startRuntime } from "../tests/pyodide/harness.mjs";

const runs = Number(process.argv[2] ?? 7);
const { py, mf } = await startRuntime();
try {
  py.globals.set("runs", runs);
  const report = await py.runPythonAsync(`
import json, time
import js
from pyodide.ffi import jsnull
from workers import python_from_rpc
from workerbase_test_env import env
from workerbase.bindings.workers.d1 import WorkersDatabase, _to_result
from workerbase.ports import Statement

db = WorkersDatabase(env.DB)
await db.query("CREATE TABLE bench (id INTEGER PRIMARY KEY, title TEXT, body TEXT, n INTEGER, score REAL, "
               "missing TEXT, flag INTEGER, data BLOB)")
insert = "INSERT INTO bench (title, body, n, score, missing, flag, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
await db.batch([Statement(insert, [f"title {i}", "x" * 40, i, i * 0.5, None, i % 2, bytes([i % 256]) * 8])
                for i in range(1000)])
COLUMNS = ["id", "title", "body", "n", "score", "missing", "flag", "data"]

def sdk_wrapper(result):
    return python_from_rpc(result)["results"]

def adapter(result):
    return _to_result(result).rows

def per_row(result):
    rows = []
    for js_row in result.results:
        row = {}
        for column in COLUMNS:
            value = getattr(js_row, column)
            if value is jsnull:
                value = None
            elif hasattr(value, "to_py"):
                value = bytes(value.to_py())
            row[column] = value
        rows.append(row)
    return rows

def to_py_only(result):
    return result.results.to_py()

def via_json(result):
    return json.loads(js.JSON.stringify(result.results))

timings = {}
raw_round_trip = []
for name, convert in [("sdk_wrapper", sdk_wrapper), ("adapter", adapter), ("per_row", per_row), ("json", via_json), ("to_py_only", to_py_only)]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await db._d1.prepare("SELECT * FROM bench").all()
        t1 = time.perf_counter()
        rows = convert(result)
        samples.append((time.perf_counter() - t1) * 1000)
        raw_round_trip.append((t1 - t0) * 1000)
        assert len(rows) == 1000 and len(rows[0]) == 8, name
    timings[name] = samples
lines = [f"D1 result of 1,000 rows x 8 columns -> Python, in Pyodide (ms; best / median of {runs} runs)"]
for name, samples in timings.items():
    samples.sort()
    lines.append(f"  {name:<12} best {samples[0]:7.2f}   median {samples[len(samples) // 2]:7.2f}")
raw_round_trip.sort()
lines.append(f"  (query round trip to Miniflare alone: best {raw_round_trip[0]:.2f} ms, not included above)")
"\\n".join(lines)
`);
  console.log(report);
} finally {
  await mf.dispose();
}
