# `make run` and `make test` do all the set-up on a fresh machine: venv, packages, database.
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
PYTHON ?= python3

.PHONY: install system-packages db run test lint check clean

install: $(VENV)/.installed system-packages

system-packages:
	@bash scripts/system-packages.sh

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Migrate, load the wilayah of Kabupaten Malang, and the demo history on an empty database.
db: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_wilayah
	$(PY) manage.py load_demo --if-empty

run: db
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "KIM Tracker: http://127.0.0.1:$(PORT)/"
	@echo "Log in with a demo account printed above by load_demo (passwords are shown once;"
	@echo "reset one with: $(PY) manage.py changepassword manajer-demo), or create an"
	@echo "administrator with: $(PY) manage.py createsuperuser"
	DJANGO_SETTINGS_MODULE=kimtracker.settings.local $(VENV)/bin/gunicorn kimtracker.wsgi \
		--bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles
