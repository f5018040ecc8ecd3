# Front Counter — `make run` opens the app, `make test` runs every test.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install run test test-headless lint format bench clean package

# Debian packages (Qt's libraries; for tests also Xvfb, PostgreSQL and the real servers):
# installed when we are root or have sudo, else the exact apt-get line is printed.

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The app's bytecode, written here too: where PYTHONDONTWRITEBYTECODE is set, every start
# compiled 170 modules again (0.5 s).
run: install
	@bash .ci/system-packages run
	@$(PY) -m compileall -q console ui services
	$(PY) -m console

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

test: lint
	@bash .ci/system-packages test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# The same non-UI tests in a second virtualenv without PySide6 or pytest-qt: proves that
# services/, the CLI and the worker run with no Qt installed (tests marked `qt` are skipped).
HEADLESS  ?= .venv-headless
HPY       := $(HEADLESS)/bin/python
HSTAMP    := $(HEADLESS)/.installed-stamp

$(HSTAMP): pyproject.toml .ci/headless-requirements
	@test -x $(HPY) || $(PYTHON) -m venv $(HEADLESS)
	$(HPY) -m pip install -q --upgrade pip
	$(HPY) .ci/headless-requirements > $(HEADLESS)/requirements.txt
	$(HPY) -m pip install -q -r $(HEADLESS)/requirements.txt
	@touch $(HSTAMP)

test-headless: $(HSTAMP)
	@if $(HPY) -c "import PySide6" 2>/dev/null; then echo "$(HEADLESS) has PySide6: not headless" >&2; exit 1; fi
	@bash .ci/system-packages test
	$(HPY) -m pytest tests/unit tests/integration tests/e2e

# The one-folder bundle (PyInstaller) and the .deb, in build/package/ (resources/packaging/).
# Rebuilt only when a source changed since the last build; PKG_ARGS=--force builds anyway.
PSTAMP := $(VENV)/.package-stamp

$(PSTAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[dev,package]'
	@touch $(PSTAMP)

package: $(PSTAMP)
	$(PY) resources/packaging/build.py $(PKG_ARGS)

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	QT_QPA_PLATFORM=offscreen $(PY) -m bench --db both $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(HEADLESS) .pytest_cache .mypy_cache .ruff_cache artifacts
