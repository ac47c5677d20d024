"""`make bench`: run every benchmark and print its figures.

Figures, not verdicts: machines differ and share cores, so read medians and compare
ratios between runs on the same machine. `BENCH_ONLY=latency` or `BENCH_ONLY=scale`
runs one of them.
"""

from __future__ import annotations

import os
import platform

from bench import latency, reconcile_scale

BENCHES = {"latency": latency.report, "scale": reconcile_scale.report}


def main() -> None:
    print(
        f"# fleet manager benchmarks on {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    only = os.environ.get("BENCH_ONLY")
    for name, report in BENCHES.items():
        if only and name != only:
            continue
        report()


if __name__ == "__main__":
    main()
