"""Benchmarks (`make bench`): each bench_*.py module has `main() -> None` that prints its figures."""
