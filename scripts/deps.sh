#!/usr/bin/env bash
# Installs the system packages JoinedUp's tests use, from Debian, when they
# are missing. Safe to run again.
set -euo pipefail
need=()
command -v pg_isready >/dev/null || need+=(postgresql-client)
command -v file >/dev/null || need+=(file)
command -v npm >/dev/null || need+=(npm)
# The browser tests drive Debian's Chromium headless.
command -v chromium >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils) # letters: PDF text checks
if ((${#need[@]})); then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need ${need[*]}; run as root or install them" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
