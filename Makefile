# Stegvis: `make run` serves the app with demo data; `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 8000
DEMO_PASSWORD ?= stegvis-demo
export DEMO_PASSWORD

.PHONY: run test lint format bench setup translations messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

instance/secret_key: | $(VENV)/.installed
	$(PY) -m webapp.keys

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d webapp/translations 2>&1 | grep -v "^compiling" || true

setup: $(VENV)/.installed instance/secret_key translations

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "  Stegvis runs at http://localhost:$(PORT)   (Ctrl-C stops it)"
	@echo "  Demo logins (password: $(DEMO_PASSWORD)):"
	@echo "    participant: deltaker1 … deltaker8   counsellor: veileder1"
	@echo "    mentor: mentor1                      admin: admin"
	@echo ""
	@# The worker (reminders and push) is a process of its own next to gunicorn, never inside it;
	@# it stops with gunicorn (Ctrl-C reaches both; the trap covers any other way out).
	@# No access log: invite links carry single-use tokens in the path.
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(VENV)/bin/gunicorn --bind 0.0.0.0:$(PORT) --worker-class gthread --workers 2 --threads 4 wsgi:app

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json
	cd tests/e2e && npm install --silent --no-audit --no-fund
	touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup tests/e2e/node_modules/axe-core/axe.min.js lint
	$(VENV)/bin/pytest

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) tests/e2e/node_modules

# Refresh the catalogs after changing strings; then translate nb/nn and run `make translations`.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F webapp/translations/babel.cfg -k _l -k lazy_gettext --project Stegvis --version 0.1 --no-location --sort-output -o webapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching --ignore-obsolete
