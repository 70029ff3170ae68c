#!/usr/bin/env bash
# The desk browser suite (tests/browser/test_desk_*.py): Debian's chromium driven by Playwright for
# Python (no browser download), against a site that has the demo data (README, step 1). Loads the
# suite's users and data (order_tracking.tests.desk_fixtures), then runs pytest on the desk tests
# and prints pytest's summary and one line:
#   DESK RESULT: <pages> pages, <clicks> clicks, <roles> roles (<passes> passes incl. zh/zh-TW); <passed> passed, <failed> failed in <s>s
# Screenshots in .ci/logs/desk-<role>-<page>.png. Exit status: pytest's.
#
#   OT_BENCH (~/ot-bench)  OT_DESK_SITE (${OT_SITE:-ot.localhost})
#   OT_DESK_URL: a server already serving the site (e.g. its gunicorn, http://ot-demo.localhost:8011;
#     the browser takes /assets/ from the bench's sites directory, as nginx would serve them); without
#     it `bench serve` is started on OT_DESK_PORT (8012) and stopped at the end
#   OT_DESK_WORKERS: browsers at once (1: the roles share the demo's work orders and job cards, and two
#     browsers at once raced for the same job card; 2 runs in about half the time)
#   OT_BENCH_CMD: how to run a bench command (default: as the bench's owner in the bench directory)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$(readlink -f "${OT_BENCH:-$HOME/ot-bench}")
SITE=${OT_DESK_SITE:-${OT_SITE:-ot.localhost}}
PORT=${OT_DESK_PORT:-8012}
OWNER=$(stat -c %U "$BENCH")
LOGS="$ROOT/.ci/logs"
VENV="$ROOT/.ci/.venv-browser"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
bench_cmd() { if [ -n "${OT_BENCH_CMD:-}" ]; then $OT_BENCH_CMD "$*"; else as_owner "$*"; fi; }
started=$(date +%s)

mkdir -p "$LOGS"
rm -f "$LOGS"/desk-*.png "$LOGS/desk-stats.jsonl"
for pkg in chromium fonts-wqy-microhei; do
	dpkg -s "$pkg" >/dev/null 2>&1 || apt_install "$pkg"
done
getent hosts "$SITE" >/dev/null || echo "127.0.0.1 $SITE" | as_root tee -a /etc/hosts >/dev/null
if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import playwright, xdist" 2>/dev/null; then
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q playwright pytest pytest-xdist
fi

bench_cmd "bench --site '$SITE' execute order_tracking.tests.desk_fixtures.setup" >"$LOGS/desk-fixtures.log" 2>&1
tail -n 1 "$LOGS/desk-fixtures.log" >"$LOGS/desk-fixtures.json"
if ! python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$LOGS/desk-fixtures.json" 2>/dev/null; then
	tail -n 20 "$LOGS/desk-fixtures.log"
	echo "DESK RESULT: the fixtures did not load (see .ci/logs/desk-fixtures.log)"
	exit 2
fi

URL=${OT_DESK_URL:-}
if [ -z "$URL" ]; then
	URL="http://$SITE:$PORT"
	set -m  # the server in its own process group, stopped with all its children
	bench_cmd "bench --site '$SITE' serve --port $PORT --noreload" >"$LOGS/desk-serve.log" 2>&1 &
	set +m
	SERVER=$!
	trap 'kill -- -$SERVER 2>/dev/null || kill $SERVER 2>/dev/null || true' EXIT
	for _ in $(seq 60); do
		curl -fsS -H "Host: $SITE" "http://127.0.0.1:$PORT/api/method/ping" >/dev/null 2>&1 && break
		sleep 1
	done
fi

# a gunicorn serves no static files (nginx does): the browser then takes /assets/ from the bench
assets=""
[ -n "${OT_DESK_URL:-}" ] && assets="$BENCH/sites"
OT_DESK_URL="$URL" OT_DESK_ASSETS="$assets" OT_DESK_FIXTURES="$LOGS/desk-fixtures.json" OT_SCREENSHOTS="$LOGS" \
	OT_DESK_STATS="$LOGS/desk-stats.jsonl" \
	"$VENV/bin/pytest" "$ROOT"/tests/browser/test_desk_*.py -q -p no:cacheprovider -o testpaths=tests/browser \
	-n "${OT_DESK_WORKERS:-1}" --dist loadgroup -rf --tb=short 2>&1 | tee "$LOGS/desk-pytest.log"
rc=${PIPESTATUS[0]}

summary=$(grep -E '[0-9]+ (passed|failed)' "$LOGS/desk-pytest.log" | tail -1)
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
failed=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
counts=$(python3 - "$LOGS/desk-stats.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
roles = {r["role"] for r in rows}
upstream = sum(len(r.get("upstream", [])) for r in rows)
print(f"{sum(r['pages'] for r in rows)} pages, {sum(r['clicks'] for r in rows)} clicks, {len(roles)} roles "
      f"({len(rows)} passes incl. zh/zh-TW); {upstream} of Frappe's own page errors listed apart "
      "(frappe-charts redraw race, a report's unset mandatory filter)")
PY
)
echo "DESK RESULT: $counts; ${passed:-0} passed, ${failed:-0} failed in $(($(date +%s) - started))s"
exit "$rc"
