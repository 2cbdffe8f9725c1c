"""The monthly invoice run's benchmark: now one job of ``scripts/bench/bench_jobs.py``.

Kept for the command the README gives; it runs ``bench_jobs`` for the invoice job only
(see that module for what is measured and how):

    python -m scripts.bench.bench_invoice 100 1000 5000
"""
from __future__ import annotations

import sys

from scripts.bench.bench_jobs import main as bench_jobs_main
from scripts.bench.bench_jobs import measure_invoice as measure

__all__ = ["main", "measure"]  # ``measure``: the former name, kept for callers


def main(argv: list[str]) -> int:
    """Sizes as separate arguments (default 100 and 1,000)."""
    sizes = [a.replace("_", "") for a in argv] or ["100", "1000"]
    return bench_jobs_main(["--sizes", ",".join(sizes), "--jobs", "invoice"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
