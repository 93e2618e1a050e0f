#!/usr/bin/env bash
# Vendors Bootstrap Italia (BSD-3-Clause) into static/vendor/bootstrap-italia/.
# Run by a developer when the pinned version changes; the result is committed so that
# installing or running Intreccio never needs npm or the network.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VERSION=2.18.3
DEST="$ROOT/static/vendor/bootstrap-italia"

if ! command -v npm >/dev/null; then
  echo "npm is needed to vendor Bootstrap Italia (Debian: apt-get install -y npm)." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> fetching bootstrap-italia@$VERSION"
# npm pack fetches only the published tarball: no dependencies, no install scripts run.
(cd "$work" && npm pack --silent "bootstrap-italia@$VERSION" >/dev/null 2>&1)
tar -xzf "$work/bootstrap-italia-$VERSION.tgz" -C "$work"
pkg="$work/package"

rm -rf "$DEST"
mkdir -p "$DEST/css" "$DEST/js" "$DEST/svg"
cp "$pkg/dist/css/bootstrap-italia.min.css" "$DEST/css/"
cp "$pkg/dist/js/bootstrap-italia.bundle.min.js" "$DEST/js/"
cp -r "$pkg/dist/fonts" "$DEST/fonts"
cp "$pkg/dist/svg/sprites.svg" "$DEST/svg/"
cp "$pkg/LICENSE" "$DEST/LICENSE"
# Source maps point at files we do not ship; drop the reference so browsers do not ask for them.
sed -i -e 's|/\*# sourceMappingURL=[^*]*\*/||' "$DEST/css/bootstrap-italia.min.css"
sed -i -e 's|//# sourceMappingURL=.*$||' "$DEST/js/bootstrap-italia.bundle.min.js"
# The video player's icon font is embedded as a data: URI, which the CSP (font-src 'self') refuses;
# Intreccio plays no video, so the declaration goes.
sed -i -e 's/@font-face{font-family:VideoJS;[^}]*}//' "$DEST/css/bootstrap-italia.min.css"
echo "$VERSION" > "$DEST/VERSION"

echo "==> Bootstrap Italia $VERSION vendored in ${DEST#"$ROOT"/} ($(du -sh "$DEST" | cut -f1))"
