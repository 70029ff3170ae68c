#!/usr/bin/env bash
# The test command (README, step 2). Always runs the standalone suite (and semgrep when the
# frappe rules are beside the project); runs the integration suite on the bench at
# ${OT_BENCH:-$HOME/ot-bench} whenever one exists, starting MariaDB and Redis first.
# Prints which suites ran with their counts; exits non-zero if any of them failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${OT_BENCH:-$HOME/ot-bench}
SITE=${OT_SITE:-ot.localhost}
SHARED=${OT_SHARED:-$ROOT/../shared}
VENV=${OT_TEST_VENV:-$ROOT/.ci/.venv}
LOGS=$ROOT/.ci/logs
mkdir -p "$LOGS"

summary=()
failed=0
note() { printf '\n==> %s\n' "$*"; }

# ------------------------------------------------------------------ standalone suite
note "Standalone suite (tests/, no site)"
if [ ! -x "$VENV/bin/python" ]; then
	python3 -m venv "$VENV" || { echo "cannot create $VENV"; exit 2; }
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/tests/requirements.txt" ||
	{ echo "cannot install the standalone suite's requirements"; exit 2; }
(cd "$ROOT" && "$VENV/bin/python" -m pytest tests -q -p no:cacheprovider) 2>&1 | tee "$LOGS/standalone.log"
standalone_rc=${PIPESTATUS[0]}
standalone_counts=$(grep -E '^[0-9]+ (passed|failed)|(passed|failed|error)' "$LOGS/standalone.log" | tail -1)
if [ "$standalone_rc" -eq 0 ]; then
	summary+=("standalone suite: PASSED ($standalone_counts)")
else
	summary+=("standalone suite: FAILED ($standalone_counts)")
	failed=1
fi

# ------------------------------------------------------------------ semgrep
if [ -d "$SHARED/semgrep/frappe-rules" ]; then
	note "semgrep --config $SHARED/semgrep/frappe-rules"
	# its own environment: semgrep pins protobuf below what OR-Tools (a test dependency) needs
	SEMGREP_VENV=${OT_SEMGREP_VENV:-$ROOT/.ci/.venv-semgrep}
	if [ ! -x "$SEMGREP_VENV/bin/semgrep" ]; then
		python3 -m venv "$SEMGREP_VENV" && "$SEMGREP_VENV/bin/python" -m pip install -q --disable-pip-version-check "semgrep==1.99.0" ||
			{ echo "cannot install semgrep"; exit 2; }
	fi
	(cd "$ROOT" && "$SEMGREP_VENV/bin/semgrep" scan --metrics=off --disable-version-check --quiet --error \
		--config "$SHARED/semgrep/frappe-rules" order_tracking/) 2>&1 | tee "$LOGS/semgrep.log"
	if [ "${PIPESTATUS[0]}" -eq 0 ]; then
		summary+=("semgrep (frappe rules): PASSED (no findings)")
	else
		summary+=("semgrep (frappe rules): FAILED (see .ci/logs/semgrep.log)")
		failed=1
	fi
else
	summary+=("semgrep: SKIPPED (no frappe rules at $SHARED/semgrep/frappe-rules)")
fi

# ------------------------------------------------------------------ integration suite
if [ -d "$BENCH/apps/frappe" ] && [ -d "$BENCH/apps/erpnext" ] && [ -d "$BENCH/sites/$SITE" ]; then
	note "Integration suite on $BENCH, site $SITE"
	bash "$ROOT/scripts/bench_ci.sh" 2>&1 | tee "$LOGS/integration.log"
	integration_rc=${PIPESTATUS[0]}
	ran=$(grep -E '^Ran [0-9]+ tests?' "$LOGS/integration.log" | tail -1)
	result=$(grep -E '^(OK|FAILED)' "$LOGS/integration.log" | tail -1)
	if [ "$integration_rc" -eq 0 ] && [ -n "$ran" ]; then
		summary+=("integration suite: PASSED ($ran; $result)")
	else
		summary+=("integration suite: FAILED (${ran:-did not run}; ${result:-see .ci/logs/integration.log})")
		failed=1
	fi

	# ------------------------------------------------------------------ the portal in a browser
	# on the fixtures the integration suite left (its _Test Company); screenshots in .ci/logs/
	note "Browser test of the customer portal (scripts/browser_test.sh: Playwright + Debian chromium)"
	OT_BENCH="$BENCH" OT_SITE="$SITE" bash "$ROOT/scripts/browser_test.sh" 2>&1 | tee "$LOGS/browser.log"
	browser_rc=${PIPESTATUS[0]}
	browser_counts=$(grep -E '[0-9]+ (passed|failed)' "$LOGS/browser.log" | tail -1)
	if [ "$browser_rc" -eq 0 ]; then
		summary+=("portal browser test: PASSED ($browser_counts; screenshots .ci/logs/portal-*.png)")
	else
		summary+=("portal browser test: FAILED (${browser_counts:-see .ci/logs/browser.log})")
		failed=1
	fi

	# ERPNext's test set-up deletes every Item Price: a site with the demo (README, step 1) gets it
	# loaded again, which also proves the demo runs on a site the tests have used.
	if grep -q "Demo data set on $SITE" "$LOGS/integration.log"; then
		note "Demo data reloaded on $SITE after the tests"
		bash "$ROOT/scripts/bench_ci.sh" --reload-demo 2>&1 | tee "$LOGS/demo-reload.log"
		if [ "${PIPESTATUS[0]}" -eq 0 ]; then
			summary+=("demo on $SITE after the tests: RELOADED ($(grep -c '^\[' "$LOGS/demo-reload.log") steps)")
		else
			summary+=("demo on $SITE after the tests: FAILED (see .ci/logs/demo-reload.log)")
			failed=1
		fi
	fi

	# ------------------------------------------------------------------ README step 1 on a new site
	note "README step 1 on a throw-away site, then the API fuzzed and the load harness on it (scripts/check_demo_site.sh)"
	rm -f "$LOGS/desk.rc" "$LOGS/fuzz.rc" "$LOGS/load.rc" "$LOGS/replica.rc"
	bash "$ROOT/scripts/check_demo_site.sh" 2>&1 | tee "$LOGS/demo-site.log"
	demo_rc=${PIPESTATUS[0]}
	demo_result=$(grep -E '^DEMO SITE CHECK' "$LOGS/demo-site.log" | tail -1)
	if [ "$demo_rc" -eq 0 ]; then
		summary+=("throw-away demo site: PASSED (${demo_result#DEMO SITE CHECK PASSED: })")
	else
		summary+=("throw-away demo site: FAILED (${demo_result:-see .ci/logs/demo-site.log})")
		failed=1
	fi
	desk_result=$(grep -E '^DESK RESULT' "$LOGS/desk.log" 2>/dev/null | tail -1)
	if [ ! -f "$LOGS/desk.rc" ]; then
		summary+=("desk browser suite: DID NOT RUN (see .ci/logs/demo-site.log)")
		failed=1
	elif [ "$(cat "$LOGS/desk.rc")" = "0" ]; then
		summary+=("desk browser suite: PASSED (${desk_result#DESK RESULT: }; screenshots .ci/logs/desk-*.png)")
	else
		summary+=("desk browser suite: FAILED (${desk_result#DESK RESULT: }; see .ci/logs/desk.log)")
		failed=1
	fi
	fuzz_result=$(grep -E '^FUZZ RESULT' "$LOGS/fuzz.log" 2>/dev/null | tail -1)
	if [ ! -f "$LOGS/fuzz.rc" ]; then
		summary+=("API fuzzing: DID NOT RUN (see .ci/logs/demo-site.log)")
		failed=1
	elif [ "$(cat "$LOGS/fuzz.rc")" = "0" ]; then
		summary+=("API fuzzing: PASSED (${fuzz_result#FUZZ RESULT: })")
	else
		summary+=("API fuzzing: FAILED (${fuzz_result#FUZZ RESULT: }; see .ci/logs/fuzz.log)")
		failed=1
	fi
	load_result=$(grep -E '^LOAD RESULT' "$LOGS/load.log" 2>/dev/null | tail -1)
	if [ ! -f "$LOGS/load.rc" ]; then
		summary+=("load and faults: DID NOT RUN (see .ci/logs/demo-site.log)")
		failed=1
	elif [ "$(cat "$LOGS/load.rc")" = "0" ]; then
		summary+=("load and faults: ${load_result#LOAD RESULT: }")
	else
		summary+=("load and faults: FAILED (${load_result#LOAD RESULT: }; see .ci/logs/load.log)")
		failed=1
	fi
	replica_result=$(grep -E '^REPLICA RESULT' "$LOGS/replica.log" 2>/dev/null | tail -1)
	if [ ! -f "$LOGS/replica.rc" ]; then
		summary+=("read replica: DID NOT RUN (see .ci/logs/demo-site.log)")
		failed=1
	elif [ "$(cat "$LOGS/replica.rc")" = "0" ]; then
		summary+=("read replica: ${replica_result#REPLICA RESULT: }")
	else
		summary+=("read replica: FAILED (${replica_result#REPLICA RESULT: }; see .ci/logs/replica.log)")
		failed=1
	fi
else
	summary+=("integration suite: SKIPPED (no Frappe + ERPNext bench with site $SITE at $BENCH; see README)")
	summary+=("portal browser test: SKIPPED (no bench)")
	summary+=("throw-away demo site: SKIPPED (no bench)")
	summary+=("desk browser suite: SKIPPED (no bench)")
	summary+=("API fuzzing: SKIPPED (no bench)")
	summary+=("load and faults: SKIPPED (no bench)")
	summary+=("read replica: SKIPPED (no bench)")
fi

note "Summary"
printf '  %s\n' "${summary[@]}"
exit $failed
