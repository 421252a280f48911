"""tfplotguard benchmarks: run with ``python -m benchmarks``."""
