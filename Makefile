# Tidemark: `make demo` serves the demo at http://127.0.0.1:8000, `make test` runs every test.
# Without DATABASE_URL an embedded PostgreSQL starts in .pgdata/; without
# CELERY_BROKER_URL tasks run in-process. See README.md.
# Production is DJANGO_DEBUG=false with its own DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; these
# local targets run with DJANGO_DEBUG=true (a fixed local key) unless the environment says otherwise.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PYTHONUNBUFFERED := 1
LOCAL := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

.PHONY: install demo serve setup test lint audit check stop-db worker beat clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

setup: install
	$(LOCAL) $(PY) manage.py setup

demo: setup
	$(LOCAL) $(PY) manage.py ingest data/demo_reports
	$(LOCAL) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Tidemark demo: http://127.0.0.1:8000"
	$(LOCAL) $(PY) manage.py runserver 127.0.0.1:8000

serve: install
	$(LOCAL) $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(LOCAL) $(PY) manage.py makemigrations --check --dry-run

# Known vulnerabilities in the pinned requirements (needs the network; CI runs it). An advisory
# that does not apply is ignored here with --ignore-vuln ID and the reason in a comment.
# pip-audit asks PyPI's JSON API (or OSV) about each pinned version. A package it cannot look
# up is skipped, not failed; say so loudly, and fail on it with AUDIT_STRICT=1.
audit: install
	@out=$$($(VENV)/bin/pip-audit --progress-spinner off --no-deps --disable-pip \
		-r requirements.txt -r requirements-dev.txt 2>&1); status=$$?; echo "$$out"; \
	skipped=$$(echo "$$out" | grep -c "could not be audited"); \
	if [ "$$skipped" -gt 0 ]; then \
		echo "WARNING: pip-audit could not check $$skipped pinned packages (the vulnerability service did not answer for them)."; \
		if [ -n "$$AUDIT_STRICT" ]; then exit 1; fi; \
	fi; exit $$status

test: lint
	$(LOCAL) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

worker: install
	$(LOCAL) $(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(LOCAL) $(VENV)/bin/celery -A config beat --loglevel=INFO

stop-db: install
	$(PY) -c "from pathlib import Path; from config.database import embedded_database_stop as stop; \
	print('stopped' if stop(Path('.pgdata')) else 'not running')"

clean:
	rm -rf $(VENV) staticfiles artifacts
