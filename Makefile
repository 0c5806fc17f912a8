# Tidemark: `make demo` serves the demo at http://127.0.0.1:8000, `make test` runs every test.
# Without DATABASE_URL an embedded PostgreSQL starts in .pgdata/; without
# CELERY_BROKER_URL tasks run in-process. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PYTHONUNBUFFERED := 1

.PHONY: install demo serve setup test lint check stop-db worker beat clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

setup: install
	$(PY) manage.py setup

demo: setup
	$(PY) manage.py ingest data/demo_reports
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Tidemark demo: http://127.0.0.1:8000"
	$(PY) manage.py runserver 127.0.0.1:8000

serve: install
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

test: lint
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

stop-db: install
	$(PY) -c "from pathlib import Path; from config.database import embedded_database_stop as stop; \
	print('stopped' if stop(Path('.pgdata')) else 'not running')"

clean:
	rm -rf $(VENV) staticfiles artifacts
