// Runs the contract suites (tests/contracts) inside Pyodide against Miniflare's bindings through the Workers
// adapters. Prints each failure and a closing `N passed, N failed` line; exits 1 on any failure.
// Usage: node tests/pyodide/run.mjs [substring-of-test-name]
import { checkSavepointSemantics } from "./durable_object_shim.mjs";
import { startRuntime } from "./harness.mjs";

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
