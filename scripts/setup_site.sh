#!/usr/bin/env bash
# README, step 1: a working site with ERPNext and this app, the demo data loaded, started.
#
#   bash scripts/setup_site.sh [--no-start]
#
# - When no bench exists at ${OT_BENCH:-$HOME/ot-bench}, builds one from upstream Frappe and
#   ERPNext `version-15` with the standard bench commands (needs internet and sudo/root for the
#   system packages). Run as root, it creates a user `otbench` (bench refuses root) and builds the
#   bench in that user's home, linking it from $OT_BENCH.
# - Creates site ${OT_SITE:-ot.localhost} with ERPNext when it is missing, puts this app on the
#   bench and builds its assets (`bench build --app order_tracking`, in lib.sh's sync_app: the
#   desk's app_include_js is served from sites/assets/order_tracking), installs the app
#   (or migrates it), loads the demo data set, and starts the bench (`bench start`) unless
#   --no-start is given.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SITE=${OT_SITE:-ot.localhost}
DB_ROOT_PASSWORD=${OT_DB_ROOT_PASSWORD:-admin}
ADMIN_PASSWORD=${OT_ADMIN_PASSWORD:-admin}
START=1
[ "${1:-}" = "--no-start" ] && START=0

LINK=${OT_BENCH:-$HOME/ot-bench}
if [ -e "$LINK" ]; then
	BENCH=$(readlink -f "$LINK")
	OWNER=$(stat -c %U "$BENCH")
elif [ "$(id -u)" -eq 0 ]; then
	OWNER=${OT_BENCH_USER:-otbench}
	id "$OWNER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$OWNER"
	BENCH=/home/$OWNER/ot-bench
	ln -sfn "$BENCH" "$LINK"
else
	OWNER=$(id -un)
	BENCH=$LINK
fi
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

echo "bench: $BENCH (owner $OWNER), site: $SITE"

# ---- system packages and services
need=()
for cmd in git:git curl:curl rsync:rsync pkg-config:pkg-config node:nodejs npm:npm; do
	command -v "${cmd%%:*}" >/dev/null 2>&1 || need+=("${cmd#*:}")
done
dpkg -s python3-venv python3-dev libmariadb-dev >/dev/null 2>&1 || need+=(python3-venv python3-dev python3-pip libmariadb-dev build-essential)
[ ${#need[@]} -gt 0 ] && apt_install "${need[@]}"
command -v yarn >/dev/null 2>&1 || as_root npm install -g yarn@1.22.22
start_mariadb
# let bench log in as the database root with a password (Debian's default is the unix socket only)
if as_root mariadb -uroot -e "select 1" >/dev/null 2>&1; then
	as_root mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$DB_ROOT_PASSWORD') OR unix_socket; FLUSH PRIVILEGES;"
fi

# ---- bench CLI and the bench itself
as_owner_home() { if [ "$(id -un)" = "$OWNER" ]; then bash -c "cd ~ && $*"; else runuser -u "$OWNER" -- bash -c "cd ~ && $*"; fi; }
as_owner_home "export PATH=\$HOME/.local/bin:\$PATH; command -v bench >/dev/null || python3 -m pip install --user --break-system-packages frappe-bench"
if [ ! -d "$BENCH/apps/frappe" ]; then
	echo "building a bench from upstream Frappe / ERPNext version-15 (needs internet)"
	as_owner_home "export PATH=\$HOME/.local/bin:\$PATH; bench init --frappe-branch version-15 '$BENCH'"
	as_owner "bench get-app --branch version-15 erpnext"
fi
start_redis

# ---- the site and the app
if [ ! -d "$BENCH/sites/$SITE" ]; then
	as_owner "bench new-site '$SITE' --db-root-password '$DB_ROOT_PASSWORD' --admin-password '$ADMIN_PASSWORD' --install-app erpnext"
fi
sync_app
install_or_migrate
as_owner "bench --site '$SITE' set-config allow_tests true && bench use '$SITE'"
as_owner "bench --site '$SITE' order-tracking-demo"

port=$(grep -o '"webserver_port": *[0-9]*' "$BENCH/sites/common_site_config.json" | grep -o '[0-9]*$' || true)
echo "Site $SITE is ready: http://$SITE:${port:-8000} (Administrator / $ADMIN_PASSWORD)"
if [ "$START" -eq 1 ]; then
	if grep -q '^redis_cache:' "$BENCH/Procfile"; then
		# bench start runs its own Redis processes: hand the ports over to it
		for conf in redis_cache redis_queue; do
			redis-cli -p "$(awk '/^port /{print $2}' "$BENCH/config/$conf.conf")" shutdown nosave >/dev/null 2>&1 || true
		done
	fi
	as_owner "bench start"
fi
