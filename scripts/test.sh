#!/usr/bin/env bash
# Installs everything the test suite needs, then runs every test.
# Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# The frontend builds with Node.js and npm; the browser tests drive Debian's Chromium
# through Python Playwright (no `playwright install`: it uses /usr/bin/chromium); the
# export tests read PDFs back with poppler's pdftotext and pdfimages.
scripts/apt-install-missing.sh nodejs chromium poppler-utils

# Installing the package builds the frontend (setup.py): `npm ci` in frontend/ whenever
# package-lock.json changed since the last install, then the bundle in src/notewire/static.
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
