"""Benchmark scripts (not tests): run them with `make bench`; see bench/README.md."""
