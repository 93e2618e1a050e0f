#!/usr/bin/env bash
# make test: the whole suite, as CI runs it.
#  1. installs what is missing (Python packages; Debian's chromium and postgresql);
#  2. static checks: ruff, mypy, migrations in sync, `check --deploy` with production settings;
#  3. pytest on SQLite, then on a throwaway PostgreSQL server on 127.0.0.1, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

scripts/bootstrap.sh dev
PY=$ROOT/.venv/bin/python

# --- system packages ------------------------------------------------------------------------
find_pg_bin() {
  local d
  for d in "$(command -v pg_config >/dev/null 2>&1 && pg_config --bindir || true)" /usr/lib/postgresql/*/bin; do
    [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
  done
  return 1
}

scripts/system_deps.sh test
PG_BIN=$(find_pg_bin)
CHROMIUM=$(command -v chromium)
export INTRECCIO_CHROMIUM=$CHROMIUM

# --- static checks --------------------------------------------------------------------------
echo "==> ruff"
"$PY" -m ruff check .
"$PY" -m ruff format --check --quiet . || { echo "ruff format would change files: run '.venv/bin/ruff format .'" >&2; exit 1; }
echo "==> mypy"
"$PY" -m mypy . --no-error-summary
echo "==> bandit"
# Tests and migrations excluded, each skipped check justified in pyproject.toml [tool.bandit].
# pip-audit is not run: its advisory sources (the PyPI JSON API and OSV) are not reachable from CI.
"$PY" -m bandit -q -r intreccio config -c pyproject.toml
echo "==> migrations in sync"
DJANGO_SETTINGS_MODULE=config.settings_test "$PY" manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Models changed without a migration: run 'manage.py makemigrations'." >&2; exit 1; }
echo "==> check --deploy (production settings)"
INTRECCIO_ENV=production SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))') \
  AUDIT_CHAIN_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))') \
  INTRECCIO_FIELD_KEYS=$("$PY" -c 'import base64, secrets; print("ci:" + base64.b64encode(secrets.token_bytes(32)).decode())') \
  ALLOWED_HOSTS=intreccio.example.org DATABASE_URL=sqlite:///:memory: \
  "$PY" manage.py check --deploy --fail-level WARNING

# --- a throwaway PostgreSQL ------------------------------------------------------------------
PGTMP=$(mktemp -d /tmp/intreccio-pg.XXXXXX)
PGPORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() { if [[ $EUID -eq 0 ]]; then (cd "$PGTMP" && runuser -u postgres -- "$@"); else "$@"; fi; }
stop_pg() {
  as_pg "$PG_BIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap stop_pg EXIT
[[ $EUID -eq 0 ]] && chown postgres "$PGTMP"
as_pg "$PG_BIN/initdb" -D "$PGTMP/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PGTMP/data" -w -l "$PGTMP/server.log" start \
  -o "-h 127.0.0.1 -p $PGPORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/intreccio"

# --- pytest ---------------------------------------------------------------------------------
REPORTS=$PGTMP/reports
mkdir -p "$REPORTS"
chmod 777 "$REPORTS"
status=0
run_pytest() {  # pytest's exit 5 ("no tests collected") is judged by the summary below
  local rc=0
  "$PY" -m pytest "$@" || rc=$?
  [[ $rc -eq 0 || $rc -eq 5 ]] || status=1
}
echo "==> tests on SQLite"
run_pytest -q -m "not browser and not restart" -n 2 --junitxml="$REPORTS/sqlite.xml" "$@"
echo "==> tests on PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
DATABASE_URL=$PG_URL run_pytest -q -m "not browser and not restart" -n 2 --junitxml="$REPORTS/postgres.xml" "$@"
# SECURITY.md F3 restarts the server under load, so it runs alone: any other test would fail with it.
echo "==> PostgreSQL restart under load"
DATABASE_URL=$PG_URL INTRECCIO_TEST_PGDATA=$PGTMP/data INTRECCIO_TEST_PG_CTL=$PG_BIN/pg_ctl \
  INTRECCIO_TEST_PG_USER=$([[ $EUID -eq 0 ]] && echo postgres || true) \
  run_pytest -q -m restart --junitxml="$REPORTS/restart.xml" "$@"
echo "==> browser tests (headless Chromium)"
DJANGO_ALLOW_ASYNC_UNSAFE=true run_pytest -q -m browser --junitxml="$REPORTS/browser.xml" "$@"

"$PY" scripts/summarise_junit.py "$REPORTS"/*.xml || status=1
exit $status
