# Shared by setup_site.sh and bench_ci.sh: services, running as the bench's owner, and putting
# this checkout into the bench. Source it after setting ROOT, BENCH and OWNER.

as_owner() {
	# run a command in the bench directory as the bench's owner, with its tools on PATH
	local cmd="cd '$BENCH' && export PATH=\"\$HOME/.local/bin:\$PATH\" UV_NATIVE_TLS=1 && $*"
	if [ "$(id -un)" = "$OWNER" ]; then
		bash -c "$cmd"
	else
		runuser -u "$OWNER" -- bash -c "$cmd"
	fi
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_install() {
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

db_ping() {
	mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1 || mysqladmin --connect-timeout=2 ping >/dev/null 2>&1
}

start_mariadb() {
	if ! command -v mariadbd >/dev/null 2>&1 && ! command -v mysqld >/dev/null 2>&1; then
		echo "installing MariaDB from Debian's packages"
		apt_install mariadb-server mariadb-client
	fi
	if [ ! -f /etc/mysql/mariadb.conf.d/99-order-tracking.cnf ]; then
		as_root tee /etc/mysql/mariadb.conf.d/99-order-tracking.cnf >/dev/null <<'CNF'
[mysqld]
bind-address = 127.0.0.1
character-set-client-handshake = FALSE
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci

[mysql]
default-character-set = utf8mb4
CNF
	fi
	if ! db_ping; then
		echo "starting MariaDB on 127.0.0.1"
		as_root mkdir -p /run/mysqld
		as_root chown mysql:mysql /run/mysqld
		as_root bash -c "nohup mysqld_safe >/tmp/ot-mariadb.log 2>&1 &"
		for _ in $(seq 1 60); do
			db_ping && break
			sleep 1
		done
		db_ping || { echo "MariaDB did not start (see /tmp/ot-mariadb.log)"; return 1; }
	fi
}

start_redis() {
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "installing Redis from Debian's packages"
		apt_install redis-server
	fi
	local conf port
	for conf in redis_cache redis_queue; do
		port=$(awk '/^port /{print $2}' "$BENCH/config/$conf.conf")
		if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
			echo "starting $conf on 127.0.0.1:$port"
			as_owner "redis-server config/$conf.conf --bind 127.0.0.1 --daemonize yes" >/dev/null
			for _ in $(seq 1 20); do
				redis-cli -p "$port" ping >/dev/null 2>&1 && break
				sleep 0.5
			done
		fi
	done
}

sync_app() {
	# this checkout into the bench: a link when it already is one, otherwise a copy owned by the bench's owner
	local app_dir="$BENCH/apps/order_tracking"
	if [ -L "$app_dir" ] && [ "$(readlink -f "$app_dir")" = "$(readlink -f "$ROOT")" ]; then
		echo "apps/order_tracking links to this checkout"
	else
		echo "copying this checkout to $app_dir"
		as_root rm -f "$app_dir" 2>/dev/null || true
		as_root mkdir -p "$app_dir"
		as_root rsync -a --delete --exclude '.ci/.venv' --exclude '.ci/.venv-semgrep' --exclude '.ci/logs' --exclude '__pycache__' \
			--exclude '.hypothesis' --exclude 'node_modules' "$ROOT/" "$app_dir/"
		as_root chown -R "$OWNER:" "$app_dir"
	fi
	if ! as_owner "./env/bin/python -c 'import order_tracking.hooks'" >/dev/null 2>&1; then
		echo "installing order_tracking into the bench's environment"
		as_owner "uv pip install --quiet --python env/bin/python -e apps/order_tracking || ./env/bin/python -m pip install -q -e apps/order_tracking"
	fi
	# the app's dependencies (pyproject.toml) when it was importable without pip installing it
	if ! as_owner "./env/bin/python -c 'import ortools.sat.python.cp_model'" >/dev/null 2>&1; then
		as_owner "uv pip install --quiet --python env/bin/python 'ortools>=9.10,<10' || ./env/bin/python -m pip install -q 'ortools>=9.10,<10'"
	fi
	as_owner "grep -qx order_tracking sites/apps.txt || printf '\norder_tracking\n' >> sites/apps.txt && sed -i '/^\$/d' sites/apps.txt"
	# the desk loads public/js/kpi_filters.js (hooks.app_include_js) from sites/assets/order_tracking:
	# `bench build` links it to the app's public/ (a few seconds: the app has no bundles to compile)
	echo "bench build --app order_tracking (links sites/assets/order_tracking)"
	as_owner "bench build --app order_tracking" >/dev/null
	# Frappe caches each site's map of apps and modules in Redis: one cached before the app was
	# on the bench makes install-app sync none of its DocTypes. Start from a fresh map.
	as_owner "bench --site all clear-cache" >/dev/null
}

install_or_migrate() {
	if as_owner "bench --site '$SITE' list-apps" 2>/dev/null | grep -q '^order_tracking'; then
		as_owner "bench --site '$SITE' migrate"
	else
		as_owner "bench --site '$SITE' install-app order_tracking"
	fi
}
