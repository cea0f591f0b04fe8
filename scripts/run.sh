#!/usr/bin/env bash
# Installs notewire (building its frontend), then starts the notebook server:
# `./scripts/run.sh [PATH] [options]` takes what `notewire` takes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/apt-install-missing.sh" nodejs
python3 -m pip install --quiet --disable-pip-version-check -e "$here"
exec python3 -m notewire.cli "$@"
