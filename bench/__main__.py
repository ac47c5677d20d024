"""`make bench`: run every benchmark and print its figures.

Figures, not verdicts: machines differ and share cores, so read medians and compare
ratios between runs on the same machine. `BENCH_ONLY=latency`, `scale`, `clusters`, `load`, `profile`, `fuzz`,
`failover`, `burst` or `outage` runs one of them. Each runs in a process of its own, on a database of its own
(`outage` on a PostgreSQL server of its own, which it stops and starts). `BENCH_KEEP_LOGS=1` keeps the logs
of the processes the failover, burst and outage benches start (their folder is printed).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

BENCHES = {
    "latency": "bench.latency",
    "scale": "bench.reconcile_scale",
    "clusters": "bench.clusters_scale",
    "load": "bench.load",
    "profile": "bench.profile",
    "fuzz": "bench.fuzz",
    "failover": "bench.failover",
    "burst": "bench.burst",
    "outage": "bench.outage",
}


def main() -> None:
    print(
        f"# fleet manager benchmarks on {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    only = os.environ.get("BENCH_ONLY")
    if only and only not in BENCHES:
        sys.exit(f"BENCH_ONLY={only!r}: choose one of {', '.join(BENCHES)}")
    failed = False
    for name, module in BENCHES.items():
        if only and name != only:
            continue
        sys.stdout.flush()
        result = subprocess.run([sys.executable, "-c", f"from {module} import report; report()"], check=False)
        failed = failed or result.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
