"""Benchmarks: `make bench` prints figures (medians, percentiles); nothing here passes or fails."""
