# The two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PORT ?= 8000

.PHONY: run test lint messages demo clean

run:
	@PORT=$(PORT) scripts/run.sh

test:
	@scripts/test.sh

lint:
	@scripts/bootstrap.sh dev && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .

messages:
	@scripts/bootstrap.sh dev && scripts/messages.sh

clean:
	rm -rf var/intreccio.sqlite3* var/static
