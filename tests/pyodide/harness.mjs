// Starts real Pyodide (npm `pyodide`, the version Python Workers run) inside Node, next to Miniflare's D1,
// KV and R2 (workerd's own implementations), and exposes those bindings to Python the way production does:
// each binding carries the constructor name workerd gives it, so the pinned workers-runtime-sdk's
// `_EnvWrapper` wraps it exactly as in a deployed Worker. Used by the contract suite (run.mjs) and benches.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { loadPyodide } from "pyodide";

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

export async function startRuntime() {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('ok'); } }",
    compatibilityDate: compatibilityDate(),
    // Plain-text vars and secrets reach the Worker in `env` like wrangler.toml [vars] and `wrangler secret`;
    // LOG_LEVEL is left unset on purpose so the suite sees a missing variable take its default.
    bindings: { ENVIRONMENT: "production", MAX_REQUEST_BODY_BYTES: "2048", JWT_SECRETS: TEST_JWT_SECRET },
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
  };

  const py = await loadPyodide();
  py.mountNodeFS("/repo", repoRoot);
  py.mountNodeFS("/host-site-packages", sdkSitePackages());
  // Stand-ins for the two JS modules workerd provides to the SDK.
  py.registerJsModule("_pyodide_entrypoint_helper", {});
  py.registerJsModule("_cloudflare_compat_flags", {
    python_workflows_implicit_dependencies: true,
    python_request_headers_preserve_commas: true,
  });
  py.registerJsModule("workerbase_test_env", { env });
  await py.runPythonAsync(`
import shutil, sys
sys.dont_write_bytecode = True  # /repo is the host checkout: leave no Pyodide .pyc files in it
# Copy only the SDK out of the host's site-packages: the rest (pydantic_core...) is built for CPython.
shutil.copytree("/host-site-packages/workers", "/sdk/workers")
shutil.copy("/host-site-packages/asgi.py", "/sdk/asgi.py")
sys.path[:0] = ["/sdk", "/repo/src", "/repo"]
`);
  return { py, mf, env, raw };
}
