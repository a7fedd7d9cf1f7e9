"""Cold import of the app on CPython: total time and the biggest contributors (`python -X importtime`).

Runs a fresh interpreter several times (best run reported), importing `workerbase.app` and calling
`create_app` the way `src/entry.py` does at module level on Workers.
Usage: uv run python bench/cold_import.py [runs=5]
"""

from __future__ import annotations

import subprocess
import sys
import time

PROGRAM = (
    "import time; t0 = time.perf_counter();"
    "from workerbase.app import create_app;"
    "t1 = time.perf_counter(); create_app(lambda scope: None); t2 = time.perf_counter();"
    "print(f'{(t1 - t0) * 1000:.1f} {(t2 - t1) * 1000:.1f}')"
)


def run_once() -> tuple[float, float, list[tuple[int, int, str]]]:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    import_ms, create_ms = map(float, completed.stdout.split())
    entries = []
    for line in completed.stderr.splitlines():
        # "import time:   self_us |  cumulative_us |   <indent>module" (indent = nesting depth)
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        entries.append((int(self_us), int(cumulative_us), name.rstrip()[1:]))
    return import_ms, create_ms, entries


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    started = time.perf_counter()
    best = min((run_once() for _ in range(runs)), key=lambda result: result[0])
    import_ms, create_ms, entries = best
    print(f"Cold import on CPython {sys.version.split()[0]} (best of {runs} fresh interpreters)")
    print(f"  import workerbase.app   {import_ms:7.1f} ms")
    print(f"  create_app(...)         {create_ms:7.1f} ms")
    print("  biggest imports by cumulative time (ms):")
    # Depth 1 under `workerbase.app`: the packages our modules import directly (indent = 2 spaces/level).
    direct = [entry for entry in entries if entry[2].startswith("  ") and not entry[2].startswith("   ")]
    for _, cumulative_us, name in sorted(direct, reverse=True, key=lambda entry: entry[1])[:10]:
        print(f"    {name.strip():<28} {cumulative_us / 1000:7.1f}")
    ours = [entry for entry in entries if entry[2].strip().startswith("workerbase")]
    print("  workerbase modules, self time (ms):")
    for self_us, _, name in sorted(ours, reverse=True)[:8]:
        print(f"    {name.strip():<40} {self_us / 1000:7.2f}")
    print(f"  (bench took {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
