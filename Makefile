# `make run` and `make test` do all the set-up on a fresh machine: venv, packages, database.
# `make help` lists the targets.
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
PYTHON ?= python3
# pytest workers: one per core (pytest-xdist; an idle worker takes tests queued for the other,
# which suits the few long tests); WORKERS=0 runs in one process.
WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help install system-packages db run test test-fast lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(VENV)/.installed system-packages ## venv, pinned packages and the Debian packages

system-packages: ## Debian packages for PDF and browser tests (installs them as root)
	@bash scripts/system-packages.sh

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
	$(PY) manage.py load_demo --if-empty

run: db ## set up, then serve with gunicorn on http://127.0.0.1:8000 (PORT=...)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "KIM Tracker: http://127.0.0.1:$(PORT)/"
	@echo "Log in with a demo account printed above by load_demo (passwords are shown once;"
	@echo "reset one with: $(PY) manage.py changepassword manajer-demo), or create an"
	@echo "administrator with: $(PY) manage.py createsuperuser"
	DJANGO_SETTINGS_MODULE=kimtracker.settings.local $(VENV)/bin/gunicorn kimtracker.wsgi \
		--bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

test: install ## the whole suite, browser tests included, on a new test database (what CI runs)
	$(PY) -m pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

test-fast: install ## the suite without browser tests, keeping the test database (edit-test loop)
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
