// Runs every contract suite (tests/contracts/test_*.py, found, not listed) and the Workers-shell checks
// (tests/pyodide/*_checks.py) inside Pyodide against Miniflare's bindings through the Workers adapters.
// Prints each failure, each selected module that ran no test, and a closing `N passed, N failed` line;
// exits 1 on any failure or module not run.
// Usage: node tests/pyodide/run.mjs [module-name-part[::test-name-part]]
import { checkSavepointSemantics } from "./durable_object_shim.mjs";
import { setFlagsFromString } from "node:v8";
import { startRuntime } from "./harness.mjs";

// Node 22's V8 crashes (fatal "unreachable code" in Deoptimizer::DoComputeBuiltinContinuation) when TurboFan
// code of Pyodide's JS glue that calls into Python is deoptimized while Python is on the stack: seen in
// `callPyObjectKwargs` (a Python exception thrown back to JS) and `callPyObjectMaybePromising`, once ~100
// tests have made them hot. Excluding them one by one did not last (V8 takes a single --turbo-filter), so no
// JS is optimized past Sparkplug, which never deoptimizes. Python itself runs as WebAssembly, unaffected.
setFlagsFromString("--max-opt=1"); // before any JS gets hot

const { py, mf, httpServer } = await startRuntime();
let failed = 1;
try {
  await checkSavepointSemantics(mf); // the rule the Durable Object storage shim's transactions rely on
  py.globals.set("selection", process.argv[2] ?? "");
  failed = await py.runPythonAsync(`
from tests.pyodide.runner import run_contract_suites
await run_contract_suites(selection)
`);
} finally {
  httpServer.closeAllConnections();
  httpServer.close();
  await mf.dispose();
}
process.exit(failed ? 1 : 0);
