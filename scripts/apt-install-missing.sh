#!/usr/bin/env bash
# Installs the Debian packages named on the command line whose programs are missing:
# `nodejs` (node and npm, to build the frontend), `chromium` (the browser tests) and
# `poppler-utils` (pdftotext and pdfimages, which read exported PDFs back in the tests).
# Shared by run.sh and test.sh; works as root (CI) or through sudo.
set -euo pipefail
need=()
for package in "$@"; do
    case "$package" in
        nodejs) { command -v node && command -v npm; } >/dev/null || need+=(nodejs npm) ;;
        chromium) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
        poppler-utils) { command -v pdftotext && command -v pdfimages; } >/dev/null || need+=(poppler-utils) ;;
        *) echo "apt-install-missing: unknown package $package" >&2; exit 2 ;;
    esac
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}" </dev/null
fi
