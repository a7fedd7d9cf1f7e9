// bench/settings_from_env.py inside Pyodide: each request's `env` is a new Workers SDK `_EnvWrapper` around
// a JS object holding the variables, as workerd hands the Worker the same JS env in a new wrapper per request.
// Usage: node bench/settings_from_env_pyodide.mjs [rounds=30]
import { startRuntime } from "../tests/pyodide/harness.mjs";

const rounds = Number(process.argv[2] ?? 30);
const { py, mf } = await startRuntime();
try {
  py.globals.set("rounds", rounds);
  await py.runPythonAsync(`
import js
from pyodide.ffi import to_js
from workers import _EnvWrapper
from bench.settings_from_env import report

def workers_env(variables):
    js_env = to_js(variables, dict_converter=js.Object.fromEntries)
    return lambda: _EnvWrapper(js_env)

report(workers_env, rounds)
`);
} finally {
  await mf.dispose();
}
process.exit(0);
