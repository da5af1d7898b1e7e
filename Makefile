# reviewapp — `make run` serves the demo on http://127.0.0.1:8000 ; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo test test-fast lint format bench bench-import bench-dedup bench-screening bench-ranking bench-meta bench-extraction bench-load faults lock check-deploy worker clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## migrate, load the demo review, serve it (SQLite, in-process tasks)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

demo: $(STAMP)  ## (re)load the demo review into the current database
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo

test: $(STAMP)  ## the whole suite; PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff (lint + format), import contracts (ARCHITECTURE.md), mypy on the pure modules, migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .

bench: bench-import bench-dedup bench-screening bench-ranking bench-meta bench-extraction  ## needs PostgreSQL (BENCH_DATABASE_URL, default local)

bench-import: $(STAMP)
	$(BIN)/python benchmarks/import_bench.py

bench-dedup: $(STAMP)
	$(BIN)/python benchmarks/dedup_bench.py

bench-screening: $(STAMP)
	$(BIN)/python benchmarks/screening_bench.py

bench-ranking: $(STAMP)  ## prioritised screening at 100,000 records: retrain + re-rank, next record
	$(BIN)/python benchmarks/ranking_live_bench.py

bench-meta: $(STAMP)  ## one REML fit, 100-study analysis + forest plot; metafor beside it when R is installed
	$(BIN)/python benchmarks/meta_bench.py

bench-extraction: $(STAMP)  ## 60-field form, 4 arms x 6 outcomes: page, autosave, comparison
	$(BIN)/python benchmarks/extraction_bench.py

bench-load: $(STAMP)  ## locust: 20 reviewers + 2 arbiters, 100,000 records, 5 min, gunicorn + PostgreSQL (db ra_load)
	$(BIN)/python benchmarks/load/run.py $(LOAD_ARGS)

faults: $(STAMP)  ## kill a worker mid-job, stop Redis, restart PostgreSQL under load (private services in /tmp)
	$(BIN)/python benchmarks/faults_worker_kill.py
	$(BIN)/python benchmarks/faults_redis_down.py
	$(BIN)/python benchmarks/faults_pg_restart.py

check-deploy: $(STAMP)  ## `check --deploy` with production-like settings
	DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=reviews.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

worker: $(STAMP)  ## a Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A reviewapp worker -l info

lock:  ## re-pin requirements*.txt from requirements*.in into a scratch venv
	rm -rf /tmp/reviewapp-lock && $(PY) -m venv /tmp/reviewapp-lock
	/tmp/reviewapp-lock/bin/pip install --quiet -r requirements-dev.in
	/tmp/reviewapp-lock/bin/pip freeze > /tmp/reviewapp-lock/all.txt
	@echo "review /tmp/reviewapp-lock/all.txt and split it into requirements.txt / requirements-dev.txt"

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache
