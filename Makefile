# Millwright: `make run` starts the whole suite, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test lint schema stop-db clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m suite.run

test: install
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

schema: install
	$(PY) manage.py spectacular --file openapi.yaml --validate --fail-on-warn

stop-db: install
	$(PY) -c "from pathlib import Path; from suite.embedded import stop_embedded; stop_embedded(Path('.data'))"

clean: stop-db
	rm -rf .data
