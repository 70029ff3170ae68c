#!/usr/bin/env bash
# Integration suite on an existing bench (called by scripts/run_tests.sh): start MariaDB and Redis
# (installing them from Debian's packages when absent, bound to loopback), put this checkout into
# the bench's apps, install or migrate the app on the site, then run
# `bench --site $SITE run-tests --app order_tracking` as the bench's owner, with CI=1 so that a
# failing test fails the run. With --reload-demo: only load the demo data set on the site again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$(readlink -f "${OT_BENCH:-$HOME/ot-bench}")
SITE=${OT_SITE:-ot.localhost}
OWNER=$(stat -c %U "$BENCH")
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

start_mariadb
start_redis
if [ "${1:-}" = "--reload-demo" ]; then
	as_owner "bench --site '$SITE' order-tracking-demo"
	exit $?
fi
sync_app
# the e-mail intake's integration test runs a real IMAP server (pymap) and an SMTP sink (aiosmtpd)
if ! as_owner "./env/bin/python -c 'import pymap, aiosmtpd'" >/dev/null 2>&1; then
	echo "installing pymap and aiosmtpd (the e-mail intake test's mail servers) into the bench's environment"
	as_owner "uv pip install --quiet --python env/bin/python pymap==0.36.7 aiosmtpd==1.4.6 \
		|| ./env/bin/python -m pip install -q pymap==0.36.7 aiosmtpd==1.4.6"
fi
install_or_migrate
as_owner "bench --site '$SITE' set-config allow_tests true" >/dev/null
if [ "$(as_owner "bench --site '$SITE' mariadb -N -e \"select count(*) from tabCompany where name='Sunrise Footwear'\"" 2>/dev/null)" = "1" ]; then
	echo "Demo data set on $SITE (README, step 1): the tests run beside it"
fi
as_owner "CI=1 bench --site '$SITE' run-tests --app order_tracking"
