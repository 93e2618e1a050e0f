#!/usr/bin/env bash
# make run: install, create the SQLite database, load the demo network, serve it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh runtime
scripts/system_deps.sh runtime
PORT=${PORT:-8000}
export DJANGO_SETTINGS_MODULE=config.settings
# The demo exempts its own demo accounts from the second factor; the login page says so.
export INTRECCIO_DEMO_MFA_EXEMPT=${INTRECCIO_DEMO_MFA_EXEMPT:-1}
mkdir -p var

echo "==> preparing the database (var/intreccio.sqlite3)"
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py load_demo

echo
echo "Intreccio is running at http://127.0.0.1:${PORT}/  (Ctrl+C to stop)"
echo
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}" --noreload
