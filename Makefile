# Shortcuts for the scripts the README names.
.PHONY: run test lint bench

run:
	./scripts/run.sh

test:
	./scripts/test.sh

lint:
	.venv/bin/ruff check .

bench:
	.venv/bin/python bench/render.py
