# Jianxi: two commands. `make run` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest system-deps bench messages clean serve bench-national

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install whenever pyproject.toml changes (the stamp is older than it).
$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo
	@echo "Jianxi is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --insecure

# Production: gunicorn with workers, timeouts and address from the environment (WEB_BIND,
# WEB_WORKERS, WEB_TIMEOUT; see jianxi/gunicorn_conf.py and docs/operations.md).
serve: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/gunicorn -c python:jianxi.gunicorn_conf jianxi.wsgi

# Debian's Chromium and a CJK font for the browser tests; installed when missing and we may.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing chromium and fonts-noto-cjk (apt)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; \
	  else echo "WARNING: chromium/fonts-noto-cjk missing and not root: browser tests will be skipped"; fi; \
	fi

lint: $(VENV)/.test-deps
	$(BIN)/ruff check jianxi tests bench
	$(BIN)/ruff format --check jianxi tests bench

typecheck: $(VENV)/.test-deps
	$(BIN)/mypy jianxi

pytest: $(VENV)/.test-deps system-deps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

# Everything at a size that fits this machine in minutes (SQLite, in process; the Celery claim
# run needs PostgreSQL and a broker, so it is in bench-national).
bench: $(VENV)/.test-deps
	$(BIN)/python -m bench
	$(BIN)/python -m bench.engine --quotes 20000
	$(BIN)/python -m bench.youth_import --rows 20000

# National scale on PostgreSQL (scratch databases that may be wiped) and Redis: 1,000,000 posts
# for the search (loaded once, then reused) and the search API and page over HTTP under
# gunicorn; the claim run of 1,000,000 internships on two Celery workers against its lower
# bound; 100,000 youth rows imported as a background job; the engine. docs/BENCHMARKS.md.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jianxi_bench_national
BENCH_CLAIM_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jianxi_bench_claim
BENCH_YOUTH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jianxi_bench_youth
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/6
bench-national: $(VENV)/.test-deps
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench --only search --posts 1000000 --http-seconds 10
	BENCH_DATABASE_URL=$(BENCH_CLAIM_DATABASE_URL) BENCH_BROKER_URL=$(BENCH_BROKER_URL) \
	  $(BIN)/python -m bench.claim_national --internships 1000000
	BENCH_DATABASE_URL=$(BENCH_YOUTH_DATABASE_URL) $(BIN)/python -m bench.youth_import --rows 100000
	$(BIN)/python -m bench.engine --quotes 20000

messages: $(VENV)/.test-deps
	cd jianxi && ../$(BIN)/django-admin makemessages -l en --no-obsolete && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var
