#!/usr/bin/env bash
# Installs the Debian packages Intreccio needs when they are missing.
#   scripts/system_deps.sh runtime   Pango and a font for the PDFs (make run)
#   scripts/system_deps.sh test      + Chromium, PostgreSQL, libatomic1, poppler-utils (make test)
# As root it runs apt-get; otherwise sudo when available, or it prints the command to run.
set -euo pipefail

kind=${1:-runtime}
missing=()
# Read the linker cache once: "ldconfig -p | grep -q" would die of SIGPIPE under pipefail.
LIBS=$(/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true)
have_lib() { grep -q "$1" <<< "$LIBS"; }

have_lib 'libpango-1\.0\.so\.0' || missing+=(libpango-1.0-0)
have_lib 'libpangoft2-1\.0\.so\.0' || missing+=(libpangoft2-1.0-0)
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
if [[ $kind == test ]]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
  # Playwright's bundled Node driver needs libatomic, which a bare Debian lacks.
  have_lib 'libatomic\.so\.1' || missing+=(libatomic1)
fi
((${#missing[@]})) || exit 0

echo "==> installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [[ $EUID -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
  echo "Missing system packages. Run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
"${SUDO[@]}" apt-get update -q >/dev/null
# The postgresql package starts a cluster of its own on install; the tests start their own server.
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
