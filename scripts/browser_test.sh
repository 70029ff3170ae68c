#!/usr/bin/env bash
# Browser test of the customer portal (tests/browser/): Debian's chromium driven by Playwright for
# Python (no browser download), against `bench serve` on an existing bench whose site has run the
# integration suite (its _Test Company fixtures). Screenshots and the downloaded confirmation PDF
# go to .ci/logs/portal-*. Exit status: pytest's.
#
#   OT_BENCH (~/ot-bench)  OT_SITE (ot.localhost)  OT_PORTAL_PORT (8010)
#   OT_BENCH_CMD: how to run a bench command (default: as the bench's owner in the bench directory)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$(readlink -f "${OT_BENCH:-$HOME/ot-bench}")
SITE=${OT_SITE:-ot.localhost}
PORT=${OT_PORTAL_PORT:-8010}
OWNER=$(stat -c %U "$BENCH")
LOGS="$ROOT/.ci/logs"
VENV="$ROOT/.ci/.venv-browser"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
bench_cmd() { if [ -n "${OT_BENCH_CMD:-}" ]; then $OT_BENCH_CMD "$*"; else as_owner "$*"; fi; }

mkdir -p "$LOGS"
# chromium for the browser, wkhtmltopdf and a Chinese font for the PDF
for pkg in chromium wkhtmltopdf fonts-wqy-microhei; do
	dpkg -s "$pkg" >/dev/null 2>&1 || apt_install "$pkg"
done
# wkhtmltopdf fetches the print's styles from the site by its name
getent hosts "$SITE" >/dev/null || echo "127.0.0.1 $SITE" | as_root tee -a /etc/hosts >/dev/null
if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import playwright" 2>/dev/null; then
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q playwright pytest
fi

bench_cmd "bench --site '$SITE' execute order_tracking.tests.portal_fixtures.setup" | tail -n 1 >"$LOGS/portal-fixtures.json"

set -m  # the server in its own process group, stopped with all its children
bench_cmd "bench --site '$SITE' serve --port $PORT" >"$LOGS/portal-serve.log" 2>&1 &
set +m
SERVER=$!
trap 'kill -- -$SERVER 2>/dev/null || kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do
	curl -fsS -H "Host: $SITE" "http://127.0.0.1:$PORT/api/method/ping" >/dev/null 2>&1 && break
	sleep 1
done

OT_PORTAL_URL="http://$SITE:$PORT" OT_PORTAL_FIXTURES="$LOGS/portal-fixtures.json" OT_SCREENSHOTS="$LOGS" \
	"$VENV/bin/pytest" "$ROOT/tests/browser" -q -p no:cacheprovider -o testpaths=tests/browser
