# `make run` and `make test` do all the set-up on a fresh machine: venv, packages, database.
# `make help` lists the targets.
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
PYTHON ?= python3
# pytest workers: one per core (pytest-xdist; an idle worker takes tests queued for the other,
# which suits the few long tests); WORKERS=0 runs in one process.
WORKERS ?= auto
# The demo accounts' passwords (mode 600), written by load_demo, shown by `make accounts`.
DEMO_ACCOUNTS ?= var/demo-accounts.txt

.DEFAULT_GOAL := help
.PHONY: help install run-packages test-packages db run accounts test test-fast lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## venv and the pinned Python packages (no Debian packages)

run-packages: ## Debian packages the app uses (PDF reports): as root installs them, else says how
	@bash scripts/system-packages.sh run

test-packages: ## the same plus the tests' (Chromium, nginx, pg_dump); as root, else says how
	@bash scripts/system-packages.sh test

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

db: install ## migrate, load Kabupaten Malang's wilayah and boundaries, demo data on an empty database
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_wilayah
	$(PY) manage.py load_boundaries
	$(PY) manage.py load_demo --if-empty --passwords-file $(DEMO_ACCOUNTS)

# The set-up's output first; the address and the demo accounts are the last lines before
# gunicorn's own (tests/test_makefile.py). The background worker (published reports,
# reports/tasks.py) runs beside gunicorn and stops with it.
run: db ## set up, then serve with gunicorn and the background worker on http://127.0.0.1:8000 (PORT=...)
	@bash scripts/system-packages.sh run
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "KIM Tracker: http://127.0.0.1:$(PORT)/"
	@$(PY) manage.py demo_accounts --passwords-file $(DEMO_ACCOUNTS)
	@echo
	@export DJANGO_SETTINGS_MODULE=kimtracker.settings.local; \
	$(PY) manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn kimtracker.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

accounts: install ## the demo accounts and where their passwords are (see README)
	@$(PY) manage.py demo_accounts --passwords-file $(DEMO_ACCOUNTS)

test: install test-packages ## the whole suite, browser tests included, on a new test database (what CI runs)
	$(PY) -m pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

test-fast: install test-packages ## the suite without browser tests, keeping the test database (edit-test loop)
	$(PY) -m pytest -n $(WORKERS) --dist worksteal --reuse-db -m "not browser" $(PYTEST_ARGS)

lint: install ## the checks of .pre-commit-config.yaml, and migrations up to date
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/django-upgrade --target-version 5.2 $$(git ls-files '*.py')
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## remove the venv and collected static files
	rm -rf $(VENV) staticfiles
