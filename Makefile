# Two entry points: `make demo` and `make test`. Both build the virtualenv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# The oldest Airflow we support (see `dependencies` in pyproject.toml), in a virtualenv of its own.
FLOOR_AIRFLOW := 3.3.0
FLOOR_VENV := .venv-floor
FLOOR_BIN := $(FLOOR_VENV)/bin
FLOOR_STAMP := $(FLOOR_VENV)/.installed-stamp
# The floor runs the tests that go through Airflow itself: example DAGs and crash recovery.
FLOOR_TOOLS := pytest pytest-timeout pytest-xdist
# Left out there: the soak and min_change (our planning, not the Airflow version), pools (the
# scheduler's pool slots, exercised on the pinned Airflow) and observability (it needs the dev extra).
FLOOR_TESTS := tests/dags tests/integration/test_crash_recovery.py tests/integration/test_crash_recovery_ended_tries.py \
	--ignore=tests/dags/test_schedule_soak.py \
	--ignore=tests/dags/test_observability.py --ignore=tests/dags/test_min_change.py \
	--ignore=tests/dags/test_pools.py

DIST := dist

.PHONY: install install-floor demo test lint typecheck unit floor dist bench constraints-floor clean browser

install: $(STAMP)

# uv resolves and installs Airflow's ~500 pinned packages in seconds rather than minutes.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install-floor: $(FLOOR_STAMP)

$(FLOOR_STAMP): pyproject.toml constraints-floor.txt $(STAMP)
	$(BIN)/uv venv --quiet --allow-existing --python $(PYTHON) $(FLOOR_VENV)
	$(BIN)/uv pip install --quiet --python $(FLOOR_BIN)/python -c constraints-floor.txt -e . $(FLOOR_TOOLS)
	touch $(FLOOR_STAMP)

demo: install
	$(BIN)/python scripts/demo.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The Rebalance tab's test (tests/browser) drives Debian's headless chromium; CI installs it here.
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

unit: install browser
	$(BIN)/python -m pytest tests -q -n 2 --dist worksteal

# The same DAG and crash tests on the floor Airflow, after making sure it really is the floor.
floor: install-floor
	$(FLOOR_BIN)/python -c 'import airflow, sys; print("Airflow", airflow.__version__); sys.exit(airflow.__version__ != "$(FLOOR_AIRFLOW)")'
	$(FLOOR_BIN)/python -m pytest -q -n 2 --dist worksteal -p no:cacheprovider $(FLOOR_TESTS)

# The sdist and the wheel, built without deprecation warnings, and a check of what they hold.
dist: install
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(BIN)/uv build --out-dir $(DIST) > $(DIST)/build.log 2>&1 || { cat $(DIST)/build.log; exit 1; }
	if grep DeprecationWarning $(DIST)/build.log; then echo "the build warns (above)"; exit 1; fi
	$(BIN)/python scripts/check_dist.py $(DIST)

test: lint typecheck dist unit floor

bench: install
	$(BIN)/python -m benchmarks

# Re-pin the floor after changing dependencies: Airflow $(FLOOR_AIRFLOW), our dependencies, the test tools.
constraints-floor: install
	printf '%s\n' apache-airflow==$(FLOOR_AIRFLOW) $(FLOOR_TOOLS) \
		| $(BIN)/uv pip compile --quiet --python-version 3.11 --output-file constraints-floor.txt pyproject.toml -

clean:
	rm -rf $(VENV) $(FLOOR_VENV) $(DIST) .demo build *.egg-info .mypy_cache .ruff_cache .pytest_cache
