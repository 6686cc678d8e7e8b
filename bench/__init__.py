"""Benchmarks: each module ``bench_*.py`` defines ``run(report)`` and reports figures as ratios to a
limit measured in the same run on the same machine (absolute times on shared machines are noise)."""
