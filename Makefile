# relief — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev messages migrate demo bench worker beat clean lock

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The compiled message catalogs (.mo) are built from locale/*/LC_MESSAGES/*.po, never kept in git; Django's
# compilemessages skips a catalog whose .mo is newer than its .po. Needs gettext's msgfmt.
messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules -v0

migrate: messages
	bash scripts/ensure_database.sh
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py load_demo

run: migrate
	bash scripts/run.sh $(HOST) $(PORT)

# The suite runs on every core (pytest-xdist); `make test PYTEST_ARGS="-n0 tests/visits"` runs part of it in one
# process.
PYTEST_ARGS ?= -n auto
test: install-dev messages
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev
	bash scripts/bench.sh $(BENCH_ARGS)

worker: install
	$(VENV)/bin/celery -A relief worker -l info

beat: install
	$(VENV)/bin/celery -A relief beat -l info

# requirements.in / requirements-dev.in hold the direct pins; this resolves the full sets that `install` installs.
lock: install-dev
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf var/test_*.sqlite3 test-results
