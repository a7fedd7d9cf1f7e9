"""Cold import of the app on CPython, against the floor every FastAPI app pays: `import fastapi, pydantic`.

The app's side does what `src/entry.py` does at module level on Workers: import `workerbase.app` and
build the app with a platform factory (not called while importing). Each sample is a fresh interpreter;
the two programs alternate, so both see the same machine load, and the report gives medians. Bytecode is
cached (in a temporary pycache prefix, as a deployed CPython app has it); interpreter start-up is not
counted. CPU time is the headline (the machine is shared; wall time is printed too).

Then, where the difference goes: the modules the app imports beyond the floor (`python -X importtime`,
fastest of 5 runs per module), the app's import by kind of work, and what the first request still pays
(FastAPI 0.165 builds the routes of each included router again, lazily, on the first request that
reaches it: on Workers that would happen in every new isolate, after the deploy-time snapshot of the
imports; the app declares its routes on itself instead, `api/deferred_router.py`).

If valgrind is installed, it also counts the instructions each program runs (callgrind, once each):
unlike times, the count does not depend on what else the machine is doing.

Usage: uv run python bench/cold_import.py [samples=15]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

FLOOR = "import fastapi, pydantic"
APP = """
from workerbase.app import create_app
def platform_factory(scope):
    raise AssertionError("called while importing")
app = create_app(platform_factory)
"""
# Never imported with the app: Workers-only modules do not import on CPython; local-only ones (SQLite,
# files on disk, the local model provider's HTTP client) are not the Worker's.
NOT_THE_APPS = ("workerbase.bindings", "workerbase.local", "js", "pyodide", "workers", "sqlite3", "httpx")

TIMED = """
import sys, time
cpu, wall = time.process_time(), time.perf_counter()
exec(compile({code!r}, "<timed>", "exec"), {{}})
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
stray = [m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in {not_apps!r})]
print(cpu * 1000, wall * 1000, ",".join(sorted(stray)) or "-", "pydantic.v1" in sys.modules)
"""

# The app's import by kind of work: FastAPI analysing routes (each route's dependency tree, parameter
# and response fields), FastAPI's pydantic.v1 check, pydantic building model classes, dataclasses
# generating methods, `workerbase.frozen` building the records' classes. A kind's time leaves out the
# other kinds it calls: nothing is counted twice.
BY_KIND = """
import dataclasses, fastapi._compat.shared, fastapi.routing, pydantic, time
from pydantic._internal import _model_construction
from workerbase import frozen
spent, inner = {{}}, [0.0]
def timed(owner, name, kind):
    original = getattr(owner, name)
    spent.setdefault(kind, 0.0)  # listed even if never called
    def wrapper(*args, **kwargs):
        outer, inner[0] = inner[0], 0.0
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            elapsed = time.process_time() - started
            spent[kind] = spent.get(kind, 0) + elapsed - inner[0]
            inner[0] = outer + elapsed
    setattr(owner, name, wrapper)
timed(fastapi.routing.APIRouter, "add_api_route", "FastAPI_routes")
timed(fastapi.routing.APIRouter, "add_api_websocket_route", "FastAPI_routes")
timed(fastapi._compat.shared, "is_pydantic_v1_model_class", "FastAPI's_pydantic.v1_check")
timed(_model_construction.ModelMetaclass, "__new__", "pydantic_models")
timed(dataclasses, "_process_class", "dataclasses")
timed(frozen._FrozenMeta, "__new__", "Frozen_records")
started = time.process_time()
exec(compile({code!r}, "<timed>", "exec"), {{}})
spent["total"] = time.process_time() - started
print(" ".join(f"{{kind}}={{seconds * 1000}}" for kind, seconds in spent.items()))
"""

# Two requests for a path no route matches, straight to the router (no platform needed): the first
# builds every included router's routes, the second shows the steady state.
FIRST_REQUESTS = """
import asyncio, time
namespace = {{}}
exec(compile({code!r}, "<app>", "exec"), namespace)
async def not_found():
    scope = {{"type": "http", "method": "GET", "path": "/v1/-", "raw_path": b"/v1/-", "root_path": "",
             "query_string": b"", "headers": [], "scheme": "http", "server": ("bench", 80), "client": None,
             "http_version": "1.1"}}
    async def receive():
        return {{"type": "http.request", "body": b"", "more_body": False}}
    sent = []
    async def send(message):
        sent.append(message)
    started = time.process_time()
    await namespace["app"].router(scope, receive, send)
    assert sent[0]["status"] == 404, sent
    return (time.process_time() - started) * 1000
print(asyncio.run(not_found()), asyncio.run(not_found()))
"""
# What a new Workers isolate pays after the snapshot, counted from the import on: one first request.
APP_AND_FIRST_REQUEST = FIRST_REQUESTS.replace(
    "print(asyncio.run(not_found()), asyncio.run(not_found()))", "asyncio.run(not_found())"
)


def run(program: str, env: dict[str, str], *flags: str) -> str:
    command = [sys.executable, *flags, "-c", program]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return completed.stderr if flags else completed.stdout


class Sample(NamedTuple):
    cpu_ms: float
    wall_ms: float
    strays: list[str]  # modules in NOT_THE_APPS that were imported
    pydantic_v1: bool


def timed_sample(code: str, env: dict[str, str]) -> Sample:
    cpu, wall, strays, pydantic_v1 = run(TIMED.format(code=code, not_apps=NOT_THE_APPS), env).split()
    return Sample(float(cpu), float(wall), [] if strays == "-" else strays.split(","), pydantic_v1 == "True")


def instructions(code: str, env: dict[str, str]) -> int:
    """Instructions a fresh interpreter runs for `code` (interpreter start-up and exit included)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code]
    report = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stderr
    return int(re.search(r"Collected : (\d+)", report).group(1))  # type: ignore[union-attr]


def import_times(code: str, env: dict[str, str]) -> tuple[dict[str, float], dict[str, str]]:
    """Self time (ms) of each module `-X importtime` reports, and the module that imported it."""
    self_ms: dict[str, float] = {}
    importer: dict[str, str] = {}
    pending: list[tuple[int, str]] = []  # importtime prints a module after those it imported
    for line in run(code, env, "-X", "importtime").splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, indented = line.removeprefix("import time:").split("|")
        depth, name = (len(indented) - len(indented.lstrip())) // 2, indented.strip()
        self_ms[name] = int(own) / 1000
        while pending and pending[-1][0] > depth:
            importer[pending.pop()[1]] = name
        pending.append((depth, name))
    return self_ms, importer


def fastest_import_times(
    code: str, env: dict[str, str], runs: int
) -> tuple[dict[str, float], dict[str, str]]:
    samples = [import_times(code, env) for _ in range(runs)]
    modules = set.intersection(*(set(self_ms) for self_ms, _ in samples))
    return {name: min(self_ms[name] for self_ms, _ in samples) for name in modules}, samples[0][1]


def import_root(name: str, extra: set[str], importer: dict[str, str]) -> str:
    """The outermost third-party or stdlib module, among those the app adds, that brought `name` in."""
    while importer.get(name) in extra and not importer[name].startswith("workerbase"):
        name = importer[name]
    return name


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    started = time.perf_counter()
    source = str(Path(__file__).resolve().parents[1] / "src")
    with tempfile.TemporaryDirectory() as pycache:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env |= {
            "PYTHONPYCACHEPREFIX": pycache,
            "PYTHONPATH": os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")])),
        }
        for code in (FLOOR, APP, FLOOR, APP):  # compile and cache the bytecode, warm the file cache
            timed_sample(code, env)
        timings: dict[str, list[Sample]] = {FLOOR: [], APP: []}
        for sample in range(samples):
            for code in (FLOOR, APP) if sample % 2 == 0 else (APP, FLOOR):
                timings[code].append(timed_sample(code, env))
        floor_ms, _ = fastest_import_times(FLOOR, env, 5)
        app_ms, importer = fastest_import_times(FLOOR + "\n" + APP, env, 5)
        by_kind = [run(BY_KIND.format(code=APP), env).split() for _ in range(5)]
        first_requests = [run(FIRST_REQUESTS.format(code=APP), env).split() for _ in range(5)]
        counts = {}
        if shutil.which("valgrind"):
            counts = {
                code: instructions(code, env | {"PYTHONHASHSEED": "0"})
                for code in ("pass", FLOOR, APP, APP_AND_FIRST_REQUEST.format(code=APP))
            }

    print(f"Cold import on CPython {sys.version.split()[0]}, median of {samples} fresh interpreters each:")
    print(f"  {'':36} {'CPU ms':>8} {'wall ms':>8}")
    floor_cpu = statistics.median(sample.cpu_ms for sample in timings[FLOOR])
    floor_wall = statistics.median(sample.wall_ms for sample in timings[FLOOR])
    app_cpu = statistics.median(sample.cpu_ms for sample in timings[APP])
    app_wall = statistics.median(sample.wall_ms for sample in timings[APP])
    print(f"  {FLOOR:36} {floor_cpu:8.1f} {floor_wall:8.1f}")
    print(f"  {'import workerbase.app; create_app()':36} {app_cpu:8.1f} {app_wall:8.1f}")
    print(f"  {'ratio':36} {app_cpu / floor_cpu:8.2f} {app_wall / floor_wall:8.2f}")
    if counts:
        floor_count, app_count = ((counts[code] - counts["pass"]) / 1e6 for code in (FLOOR, APP))
        print(f"  {'instructions beyond start-up, millions':36} {floor_count:8.0f} {app_count:8.0f}", end="")
        print(f"  (valgrind; ratio {app_count / floor_count:.2f})")
        first_count = (counts[APP_AND_FIRST_REQUEST.format(code=APP)] - counts["pass"]) / 1e6
        print(f"  {'the same and a first request':36} {'':8} {first_count:8.0f}", end="")
        print(f"  (ratio {first_count / floor_count:.2f}; the request alone {first_count - app_count:.0f} M)")
    print(f"  imported although not the app's: {', '.join(timings[APP][0].strays) or 'nothing'}")
    print(f"  pydantic.v1 imported: {'yes' if timings[APP][0].pydantic_v1 else 'no'}")

    extra = set(app_ms) - set(floor_ms)
    ours = {name: ms for name, ms in app_ms.items() if name in extra and name.startswith("workerbase")}
    theirs: dict[str, float] = defaultdict(float)
    for name in extra - set(ours):
        theirs[import_root(name, extra, importer)] += app_ms[name]
    print("Beyond the floor, by module (-X importtime self time, wall clock, fastest of 5 runs):")
    print(f"  our {len(ours)} modules: {sum(ours.values()):.1f} ms (a route module's includes its routes)")
    for name, ms in sorted(ours.items(), key=lambda item: -item[1])[:10]:
        print(f"    {name:46} {ms:6.1f}")
    print(f"  third-party and stdlib: {sum(theirs.values()):.1f} ms, by the import that brought them in")
    for name, ms in sorted(theirs.items(), key=lambda item: -item[1])[:5]:
        print(f"    {name:24} {ms:6.1f}  (imported by {importer.get(name, '?')})")

    kinds: dict[str, list[float]] = defaultdict(list)
    for fields in by_kind:
        for kind, _, value in (field.partition("=") for field in fields):
            kinds[kind].append(float(value))
    medians = {kind.replace("_", " "): statistics.median(values) for kind, values in kinds.items()}
    total = medians.pop("total")
    print("The app's import by kind of work (CPU ms, median of 5 runs):")
    for kind, ms in sorted(medians.items(), key=lambda item: -item[1]):
        print(f"  {kind:36} {ms:6.1f}")
    print(f"  {'everything else':36} {total - sum(medians.values()):6.1f}")
    first = statistics.median(float(first) for first, _ in first_requests)
    second = statistics.median(float(second) for _, second in first_requests)
    print("First request after the cold import (CPU ms, median of 5; included routers build their routes):")
    print(f"  {'first':36} {first:6.1f}")
    print(f"  {'second':36} {second:6.1f}")
    print(f"(bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
