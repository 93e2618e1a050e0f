#!/usr/bin/env bash
# Rebuilds the translation catalogues (locale/{it,en}/LC_MESSAGES/django.po) from the code and
# templates, then compiles the .mo files with polib (pure Python), so running Intreccio never
# needs GNU gettext. Extracting the strings does: makemessages calls xgettext.
#   scripts/messages.sh            extract + compile
#   scripts/messages.sh compile    compile only (after editing a .po by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [[ ${1:-} != compile ]]; then
  if ! command -v xgettext >/dev/null || ! command -v msgmerge >/dev/null; then
    if [[ $EUID -eq 0 ]]; then
      apt-get install -y -q --no-install-recommends gettext >/dev/null
    elif command -v sudo >/dev/null; then
      sudo apt-get install -y -q --no-install-recommends gettext >/dev/null
    else
      echo "makemessages needs GNU gettext. Run: sudo apt-get install -y --no-install-recommends gettext" >&2
      exit 1
    fi
  fi
  # Only our own code and templates: the virtualenv, the vendored assets and the data directory
  # have their own catalogues or none.
  DJANGO_SETTINGS_MODULE=config.settings "$PY" manage.py makemessages -l it -l en --no-obsolete \
    --ignore='.venv/*' --ignore='var/*' --ignore='static/*' --ignore='node_modules/*' \
    --ignore='bench/*' --ignore='docs/*'
fi

"$PY" - <<'PYEOF'
from pathlib import Path

import polib

for po_path in sorted(Path("locale").glob("*/LC_MESSAGES/django.po")):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    missing = len(po.untranslated_entries()) + len(po.fuzzy_entries())
    note = f", {missing} to translate" if missing else ""
    print(f"compiled {po_path.with_suffix('.mo')} ({po.percent_translated()}% translated{note})")
PYEOF
