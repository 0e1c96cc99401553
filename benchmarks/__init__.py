"""tuneforge benchmarks: suites run side by side with peer libraries (see BENCHMARKS.md)."""
