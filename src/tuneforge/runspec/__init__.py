"""Declarative studies: a YAML file says what to tune; every mistake is reported with its
file, line and key path before anything runs. Needs the `sklearn` and `pandas` extras."""

from tuneforge.runspec.errors import ConfigError, ConfigIssue
from tuneforge.runspec.run_config import DataSpec, RunConfig, load_run_config

__all__ = ["ConfigError", "ConfigIssue", "DataSpec", "RunConfig", "load_run_config"]
