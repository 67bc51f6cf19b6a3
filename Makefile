# make run  — set everything up and serve the demo on http://127.0.0.1:8000
# make test — run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000

.PHONY: setup system run test lint bench messages

setup: system $(VENV)/.installed var/.migrated

system:
	./scripts/setup-system.sh

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

var/.migrated: $(VENV)/.installed $(wildcard */migrations/*.py)
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	touch $@

run: setup
	$(PY) manage.py runserver $(ADDR)

test: system $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) bench/render.py

messages: $(VENV)/.installed
	cd articles && ../$(PY) ../manage.py makemessages -l zh_Hans
