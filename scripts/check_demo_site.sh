#!/usr/bin/env bash
# Proves the README's step 1 on a brand-new site of the bench, the way a newcomer meets it
# (called by scripts/run_tests.sh when a bench exists):
#   1. a throw-away site ${OT_DEMO_SITE:-ot-demo.localhost} with ERPNext, then this app;
#   2. the demo made to fail at one step: it must say what it did and what is left, and keep
#      nothing of the failed step;
#   3. the demo again: it completes; and once more: it adds nothing (idempotent);
#   4. facts checked through the REST API of a gunicorn serving the site (scripts/check_demo_site.py):
#      every demo order at its stage, get_order_status answering for each, the rejected intake,
#      job card times in operation order and within working hours;
#   4b. the desk browser suite on that site (scripts/desk_browser_test.sh: each role's pages and
#      buttons in chromium; `DESK RESULT` line, status in .ci/logs/desk.rc — it does not decide
#      this script's exit status);
#   5. the API fuzzed on that site (scripts/fuzz_api.py: Schemathesis against the app's OpenAPI
#      description as Administrator, as a user with no role and as Guest; `FUZZ RESULT` line,
#      status in .ci/logs/fuzz.rc — it does not decide this script's exit status);
#   6. the load and fault harness on that site (benchmarks/load_harness.py: 50 clients for 5
#      minutes, faults, invariants; `LOAD RESULT` line, status in .ci/logs/load.rc);
#   7. the read-replica path on that site (scripts/check_replica.sh: a second MariaDB replicating
#      it, get_order_status reading from it; `REPLICA RESULT` line, status in .ci/logs/replica.rc);
#   8. the site dropped.
# Prints a result line; exits non-zero when any check failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$(readlink -f "${OT_BENCH:-$HOME/ot-bench}")
SITE=${OT_DEMO_SITE:-ot-demo.localhost}
PORT=${OT_DEMO_PORT:-8011}
DB_ROOT_PASSWORD=${OT_DB_ROOT_PASSWORD:-admin}
ADMIN_PASSWORD=demo-admin
OWNER=$(stat -c %U "$BENCH")
LOGS=$ROOT/.ci/logs
mkdir -p "$LOGS"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

step() { printf '\n--> [%s] %s\n' "$(date +%T)" "$*"; }
fail() {
	echo "DEMO SITE CHECK FAILED: $*"
	cleanup
	exit 1
}
server_pid=""
stop_server() {
	# the wrapper (runuser) and gunicorn's master and workers
	pkill -f "gunicorn -b 127.0.0.1:$PORT " 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	server_pid=""
}
cleanup() {
	stop_server
	if [ -z "${OT_KEEP_DEMO_SITE:-}" ] && [ -d "$BENCH/sites/$SITE" ]; then
		as_owner "bench drop-site '$SITE' --db-root-password '$DB_ROOT_PASSWORD' --force --no-backup" >/dev/null 2>&1 ||
			echo "could not drop $SITE"
	fi
}
trap 'cleanup' INT TERM

start_mariadb || fail "MariaDB did not start"
start_redis
sync_app >/dev/null
if [ -d "$BENCH/sites/$SITE" ]; then
	step "dropping $SITE left by an earlier run"
	as_owner "bench drop-site '$SITE' --db-root-password '$DB_ROOT_PASSWORD' --force --no-backup" >/dev/null
fi

step "new site $SITE with ERPNext"
as_owner "bench new-site '$SITE' --db-root-password '$DB_ROOT_PASSWORD' --admin-password '$ADMIN_PASSWORD' --install-app erpnext" \
	>"$LOGS/demo-site-new.log" 2>&1 || fail "new-site (see .ci/logs/demo-site-new.log)"

step "install-app order_tracking"
as_owner "bench --site '$SITE' install-app order_tracking" >"$LOGS/demo-site-install.log" 2>&1 ||
	fail "install-app (see .ci/logs/demo-site-install.log)"
as_owner "bench --site '$SITE' list-apps" | grep -q '^order_tracking' || fail "order_tracking is not installed"

counts() {
	as_owner "bench --site '$SITE' mariadb -N -e \"select 'Sales Order', count(*) from \\\`tabSales Order\\\` union all select 'Work Order', count(*) from \\\`tabWork Order\\\` union all select 'Job Card', count(*) from \\\`tabJob Card\\\` union all select 'Stock Entry', count(*) from \\\`tabStock Entry\\\` union all select 'Delivery Note', count(*) from \\\`tabDelivery Note\\\` union all select 'Sales Invoice', count(*) from \\\`tabSales Invoice\\\` union all select 'Payment Entry', count(*) from \\\`tabPayment Entry\\\` union all select 'Order Intake', count(*) from \\\`tabOrder Intake\\\` union all select 'Order Event', count(*) from \\\`tabOrder Event\\\` union all select 'Outsourcing Order', count(*) from \\\`tabOutsourcing Order\\\` union all select 'Outsourcing Receipt', count(*) from \\\`tabOutsourcing Receipt\\\` union all select 'Supplier Statement', count(*) from \\\`tabSupplier Statement\\\` union all select 'Shipment', count(*) from \\\`tabShipment\\\` union all select 'Carrier Event', count(*) from \\\`tabCarrier Event\\\` union all select 'Order Exception', count(*) from \\\`tabOrder Exception\\\` union all select 'Order Return', count(*) from \\\`tabOrder Return\\\` union all select 'Item Price', count(*) from \\\`tabItem Price\\\`\""
}

step "demo, made to fail at its paid-order step"
as_owner "OT_DEMO_FAIL_AT='Paid order' bench --site '$SITE' order-tracking-demo" \
	>"$LOGS/demo-site-run0.log" 2>&1
rc=$?
grep -v '^\s*$' "$LOGS/demo-site-run0.log" | tail -12
[ "$rc" -ne 0 ] || fail "the injected failure did not fail the command"
grep -q "The demo stopped at: Paid order" "$LOGS/demo-site-run0.log" || fail "the failure does not name its step"
grep -q "left to do: Paid order" "$LOGS/demo-site-run0.log" || fail "the failure does not say what is left"
after_failure=$(counts)
echo "$after_failure" | grep -qP '^Sales Order\t0$' || fail "the failed step left a Sales Order behind: $after_failure"

step "demo again: completes what is left"
start=$(date +%s)
as_owner "bench --site '$SITE' order-tracking-demo" >"$LOGS/demo-site-run1.log" 2>&1 ||
	{ tail -20 "$LOGS/demo-site-run1.log"; fail "the demo did not complete (see .ci/logs/demo-site-run1.log)"; }
cat "$LOGS/demo-site-run1.log"
first_seconds=$(($(date +%s) - start))
first=$(counts)

step "demo a third time: adds nothing"
as_owner "bench --site '$SITE' order-tracking-demo" >"$LOGS/demo-site-run2.log" 2>&1 ||
	{ tail -20 "$LOGS/demo-site-run2.log"; fail "the demo failed when run again"; }
second=$(counts)
[ "$first" = "$second" ] || fail "the second run changed the data: $(diff <(echo "$first") <(echo "$second") | tr '\n' ' ')"

step "REST checks against gunicorn on 127.0.0.1:$PORT"
stop_server  # one left by an interrupted run would answer for the old site
as_owner "cd sites && exec ../env/bin/gunicorn -b 127.0.0.1:$PORT -w 1 --threads 4 -t 120 frappe.app:application" \
	>"$LOGS/demo-site-gunicorn.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
	curl -s -o /dev/null -H "Host: $SITE" "http://127.0.0.1:$PORT/api/method/ping" && break
	sleep 0.5
done
"$BENCH/env/bin/python" "$ROOT/scripts/check_demo_site.py" --url "http://127.0.0.1:$PORT" --site "$SITE" \
	--password "$ADMIN_PASSWORD" 2>&1 | tee "$LOGS/demo-site-checks.log"
checks_rc=${PIPESTATUS[0]}

summary=$(grep -E '^RESULT' "$LOGS/demo-site-checks.log" | tail -1)

if [ -z "${OT_SKIP_DESK:-}" ]; then
	# before the fuzzing, which mutates the site; the browser reaches gunicorn by the site's name
	step "desk browser suite on $SITE (scripts/desk_browser_test.sh: every role, Playwright + Debian chromium)"
	OT_BENCH="$BENCH" OT_DESK_SITE="$SITE" OT_DESK_URL="http://$SITE:$PORT" \
		bash "$ROOT/scripts/desk_browser_test.sh" 2>&1 | tee "$LOGS/desk.log"
	echo "${PIPESTATUS[0]}" >"$LOGS/desk.rc"
fi

if [ -z "${OT_SKIP_FUZZ:-}" ]; then
	step "fuzzing the API on $SITE (Schemathesis)"
	FUZZ_VENV=${OT_FUZZ_VENV:-$ROOT/.ci/.venv-fuzz}
	if [ ! -x "$FUZZ_VENV/bin/st" ]; then
		python3 -m venv "$FUZZ_VENV" && "$FUZZ_VENV/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==4.32.5"
	fi
	if [ -x "$FUZZ_VENV/bin/st" ]; then
		"$FUZZ_VENV/bin/python" "$ROOT/scripts/fuzz_api.py" --url "http://127.0.0.1:$PORT" --site "$SITE" \
			--password "$ADMIN_PASSWORD" --st "$FUZZ_VENV/bin/st" --out "$LOGS" 2>&1 | tee "$LOGS/fuzz.log"
		echo "${PIPESTATUS[0]}" >"$LOGS/fuzz.rc"
	else
		echo "FUZZ RESULT: schemathesis could not be installed" | tee "$LOGS/fuzz.log"
		echo 2 >"$LOGS/fuzz.rc"
	fi
fi

if [ -z "${OT_SKIP_LOAD:-}" ]; then
	step "load and faults on $SITE (benchmarks/load_harness.py, ${OT_LOAD_SECONDS:-300} s)"
	stop_server  # the harness starts its own gunicorn and RQ workers
	"$BENCH/env/bin/python" "$ROOT/benchmarks/load_harness.py" --site "$SITE" --bench "$BENCH" \
		--duration "${OT_LOAD_SECONDS:-300}" --clients "${OT_LOAD_CLIENTS:-50}" --out "$LOGS" \
		--db-root-password "$DB_ROOT_PASSWORD" 2>&1 | tee "$LOGS/load.log"
	echo "${PIPESTATUS[0]}" >"$LOGS/load.rc"
fi

if [ -z "${OT_SKIP_REPLICA:-}" ]; then
	step "read replica for $SITE (scripts/check_replica.sh)"
	OT_REPLICA_SITE="$SITE" OT_BENCH="$BENCH" OT_DB_ROOT_PASSWORD="$DB_ROOT_PASSWORD" \
		bash "$ROOT/scripts/check_replica.sh" 2>&1 | tee "$LOGS/replica.log"
	echo "${PIPESTATUS[0]}" >"$LOGS/replica.rc"
fi
cleanup
[ "$checks_rc" -eq 0 ] || fail "REST checks: ${summary:-see .ci/logs/demo-site-checks.log}"
echo "DEMO SITE CHECK PASSED: fresh site; failed step rolled back and reported; resumed in ${first_seconds}s; idempotent; ${summary#RESULT }"
