"""Reports: results files -> benchmarks/RESULTS.md and PNG plots."""
