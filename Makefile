# `make demo` / `make test` do all their own set-up on a fresh machine: a virtualenv in
# .venv, the package installed editable with its extras (again only when pyproject.toml
# changes), and for the tests a PostgreSQL server binary (Debian package, root only).

PYTHON      ?= python3
VENV        ?= .venv
EXTRAS      ?= sklearn,postgres,pandas,cmaes,checkpoints,ray,river,dashboard,dev,docs
PYTEST_ARGS ?=
STAMP       := $(VENV)/.tuneforge-installed
BENCH_STAMP := $(VENV)/.bench-installed
TEST_STAMP  := $(VENV)/.test-installed
SITE        := build/site

.PHONY: demo docs lint test postgresql chromium .venv-hebo

demo: $(STAMP)
	$(VENV)/bin/tuneforge demo

# Style and types: ruff everywhere; mypy on the files [tool.mypy] names (strict on the core).
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

# The documentation site (docs/, mkdocs.yml); --strict turns every warning (a broken link,
# a docstring mkdocstrings cannot read) into a failure. Needs no network.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir $(SITE)

test: lint docs $(STAMP) $(BENCH_STAMP) $(TEST_STAMP) postgresql chromium
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	touch $@

# The benchmark peers (optuna, hyperopt, ...): the smoke test runs them side by side.
$(BENCH_STAMP): benchmarks/requirements.txt | $(STAMP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
	touch $@

# HEBO, a benchmark peer in its own environment (numpy < 1.25); not part of `make test`.
# Run it with `.venv-hebo/bin/python -m benchmarks run --optimizers hebo ...`.
HEBO_VENV := .venv-hebo
$(HEBO_VENV)/.installed: benchmarks/requirements-hebo.txt
	$(PYTHON) -m venv $(HEBO_VENV)
	$(HEBO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements-hebo.txt
	$(HEBO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-cache-dir \
	    --no-build-isolation --force-reinstall --no-deps --no-binary pymoo pymoo==0.6.0
	$(HEBO_VENV)/bin/python -c "from pymoo.util.function_loader import is_compiled; assert is_compiled()"
	touch $@

.venv-hebo: $(HEBO_VENV)/.installed

# Optional libraries the tests exercise (the XGBoost/LightGBM presets); CPU-only builds.
$(TEST_STAMP): tests/requirements.txt | $(STAMP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

# The tests start a throw-away PostgreSQL cluster themselves (tests/conftest.py);
# they only need the server binaries. Without them (and not root) the PostgreSQL tests
# are skipped, or fail when CI=true.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	    : ; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "installing PostgreSQL (Debian package)"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
	else \
	    echo "PostgreSQL is not installed and we are not root: its tests will skip"; \
	fi

# The dashboard's browser tests drive Debian's Chromium through Playwright (never
# `playwright install`, which downloads a browser). Without it (and not root) they are
# skipped, or fail when CI=true. Screenshots land in build/test-artifacts/dashboard/.
chromium:
	@if command -v chromium >/dev/null 2>&1; then \
	    : ; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "installing Chromium (Debian package)"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
	    echo "Chromium is not installed and we are not root: the browser tests will skip"; \
	fi
