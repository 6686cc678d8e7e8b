# Bersih — the two commands a newcomer needs are `make demo` and `make test`.
# Only Python >= 3.11 and make are assumed: the first run creates .tools/ (holding uv)
# and .venv/ (the locked dependencies from uv.lock).

PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export PYTHONDONTWRITEBYTECODE := 1
# The suite runs in parallel processes (pytest-xdist); PYTEST_WORKERS=0 runs it in one.
PYTEST_WORKERS ?= 2

.PHONY: help env demo serve worker test test-fast lint bench messages check-deploy clean

help:
	@echo "make demo    start Bersih with demo data on http://127.0.0.1:8000"
	@echo "make test    lint and run the whole test suite"
	@echo "make bench   run the benchmarks in bench/"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

$(BIN)/bersih: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

env: $(BIN)/bersih messages

# Compiled translations are build output (.mo files are not committed); compiled in pure Python,
# so the build needs no GNU gettext.
messages: $(BIN)/bersih
	$(BIN)/bersih compile_translations -v 0

demo: env
	$(BIN)/bersih demo

test: env
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/ruff format --check src tests bench conftest.py
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: env
	$(BIN)/ruff check --fix src tests bench conftest.py
	$(BIN)/ruff format src tests bench conftest.py

bench: env
	$(BIN)/python -m bench $(BENCH_ARGS)

check-deploy: env
	BERSIH_ENV=production SECRET_KEY=$${SECRET_KEY:-check-only-$$(head -c 32 /dev/urandom | base64)} \
	  ETLE_BANK_SECRET=$${ETLE_BANK_SECRET:-check-only} \
	  LICENSING_BANK_SECRET=$${LICENSING_BANK_SECRET:-check-only} \
	  ALLOWED_HOSTS=bersih.example.id $(BIN)/bersih check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) $(TOOLS)
