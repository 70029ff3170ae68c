#!/usr/bin/env bash
# The read-replica path on one machine (issue 11, "past one machine"): a second MariaDB instance on
# 127.0.0.1:${OT_REPLICA_PORT:-3307} replicating the site's database from the bench's MariaDB, the
# site configured with `read_from_replica`, and proof that the app's read-only paths read from it:
#   1. the primary gets a server id and a binary log (restarted once if it had none);
#   2. the replica: a fresh data directory, the site's database copied with its binlog position,
#      the site's database user (SELECT only), replication started;
#   3. a value written on the primary reaches `get_order_status` (marked frappe.read_only);
#   4. with the replica's SQL thread stopped, a new value on the primary is NOT what
#      `get_order_status` answers (the replica's is) — the read went to the replica — while the
#      primary holds the new one; replication started again, the answer catches up;
#   5. the site's config, the replica and (unless OT_KEEP_REPLICA) the primary's binlog removed.
# Run as root on a bench (CI: the throw-away demo site). Prints `REPLICA RESULT: ...`.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$(readlink -f "${OT_BENCH:-$HOME/ot-bench}")
SITE=${OT_REPLICA_SITE:-${OT_SITE:-ot.localhost}}
PORT=${OT_REPLICA_PORT:-3307}
DB_ROOT_PASSWORD=${OT_DB_ROOT_PASSWORD:-admin}
DATADIR=/var/lib/ot-replica
SOCKET=/run/mysqld/ot-replica.sock
PRIMARY_CNF=/etc/mysql/mariadb.conf.d/98-order-tracking-replication.cnf
OWNER=$(stat -c %U "$BENCH")
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

fail() {
	echo "REPLICA RESULT: FAILED: $*"
	cleanup
	exit 1
}
primary() { mariadb -uroot -p"$DB_ROOT_PASSWORD" -h127.0.0.1 -N "$@"; }
replica() { mariadb --socket="$SOCKET" -uroot -N "$@"; }
site_py() { as_owner "bench --site '$SITE' execute order_tracking.tests.replica_check.$1 ${2:+--kwargs \"$2\"}" | tail -n 1; }
json_field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
restart_primary() {
	mysqladmin -uroot -p"$DB_ROOT_PASSWORD" -h127.0.0.1 shutdown >/dev/null 2>&1
	for _ in $(seq 1 120); do pgrep -x 'mariadbd|mysqld' >/dev/null || break; sleep 0.5; done
	start_mariadb >/dev/null
}
cleanup() {
	as_owner "bench --site '$SITE' set-config read_from_replica 0" >/dev/null 2>&1
	[ -n "${ORIGINAL:-}" ] && site_py restore "{'value': $ORIGINAL}" >/dev/null 2>&1
	if [ -S "$SOCKET" ]; then
		mysqladmin --socket="$SOCKET" -uroot shutdown >/dev/null 2>&1
	fi
	rm -rf "$DATADIR"
	if [ -z "${OT_KEEP_REPLICA:-}" ] && [ -f "$PRIMARY_CNF" ]; then
		rm -f "$PRIMARY_CNF"
		restart_primary
		primary -e "RESET MASTER" >/dev/null 2>&1 || true
	fi
}

DB=$(python3 -c "import json; print(json.load(open('$BENCH/sites/$SITE/site_config.json'))['db_name'])")
DB_PASSWORD=$(python3 -c "import json; print(json.load(open('$BENCH/sites/$SITE/site_config.json'))['db_password'])")

echo "--> primary: server id and binary log"
start_mariadb >/dev/null || fail "MariaDB is not running"
if [ "$(primary -e 'SELECT @@log_bin')" != "1" ]; then
	cat >"$PRIMARY_CNF" <<'CNF'
[mysqld]
server-id = 1
log-bin = ot-primary-bin
binlog_format = ROW
expire_logs_days = 1
CNF
	restart_primary
	[ "$(primary -e 'SELECT @@log_bin')" = "1" ] || fail "the primary has no binary log after a restart"
fi
primary -e "CREATE USER IF NOT EXISTS 'ot_repl'@'127.0.0.1' IDENTIFIED BY 'ot-repl-pw';
	GRANT REPLICATION SLAVE ON *.* TO 'ot_repl'@'127.0.0.1'; FLUSH PRIVILEGES;" || fail "replication user"

echo "--> replica on 127.0.0.1:$PORT"
[ -S "$SOCKET" ] && mysqladmin --socket="$SOCKET" -uroot shutdown >/dev/null 2>&1
rm -rf "$DATADIR"
mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db >/dev/null 2>&1 || fail "mariadb-install-db"
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
nohup mariadbd --no-defaults --user=mysql --datadir="$DATADIR" --port="$PORT" --bind-address=127.0.0.1 \
	--socket="$SOCKET" --pid-file=/run/mysqld/ot-replica.pid --server-id=2 --skip-log-bin \
	--replicate-do-db="$DB" --read-only=1 --character-set-server=utf8mb4 \
	--collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=256M >/tmp/ot-replica.log 2>&1 &
for _ in $(seq 1 60); do replica -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
replica -e "SELECT 1" >/dev/null 2>&1 || fail "the replica did not start (see /tmp/ot-replica.log)"

echo "--> copy of $DB with its binlog position, then replication"
replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='ot_repl',
	MASTER_PASSWORD='ot-repl-pw'" || fail "CHANGE MASTER"
# --master-data=1 writes CHANGE MASTER TO MASTER_LOG_FILE/POS of the copy's moment
mariadb-dump -uroot -p"$DB_ROOT_PASSWORD" -h127.0.0.1 --single-transaction --master-data=1 \
	--databases "$DB" | replica || fail "copying $DB"
replica -e "CREATE USER IF NOT EXISTS '$DB'@'%' IDENTIFIED BY '$DB_PASSWORD';
	GRANT SELECT ON \`$DB\`.* TO '$DB'@'%'; FLUSH PRIVILEGES; START SLAVE;" || fail "START SLAVE"
for _ in $(seq 1 30); do
	status=$(mariadb --socket="$SOCKET" -uroot -e "SHOW SLAVE STATUS\G")
	echo "$status" | grep -q "Slave_IO_Running: Yes" && echo "$status" | grep -q "Slave_SQL_Running: Yes" && break
	sleep 1
done
echo "$status" | grep -q "Slave_IO_Running: Yes" || fail "replication IO thread: $(echo "$status" | grep -E 'Last_(IO_)?Error')"
echo "$status" | grep -q "Slave_SQL_Running: Yes" || fail "replication SQL thread"

echo "--> site reads from the replica"
as_owner "bench --site '$SITE' set-config read_from_replica 1 && bench --site '$SITE' set-config replica_host 127.0.0.1 && bench --site '$SITE' set-config --parse replica_db_port $PORT" >/dev/null ||
	fail "set-config"
ORIGINAL=$(site_py read | json_field primary_delay_days)

site_py write "{'value': 4242}" >/dev/null || fail "write on the primary"
seen=""
for _ in $(seq 1 20); do
	seen=$(site_py read | json_field status_delay_days)
	[ "$seen" = "4242" ] && break
	sleep 1
done
[ "$seen" = "4242" ] || fail "a value written on the primary did not reach the replica's answer ($seen)"
echo "  replicated: get_order_status answers 4242 written on the primary"

replica -e "STOP SLAVE SQL_THREAD"
site_py write "{'value': 4343}" >/dev/null
answer=$(site_py read)
status_value=$(echo "$answer" | json_field status_delay_days)
primary_value=$(echo "$answer" | json_field primary_delay_days)
[ "$primary_value" = "4343" ] || fail "the primary does not hold 4343 ($primary_value)"
[ "$status_value" = "4242" ] || fail "get_order_status did not read from the replica (answered $status_value)"
echo "  replica paused: get_order_status answers the replica's 4242 while the primary holds 4343"

replica -e "START SLAVE SQL_THREAD"
for _ in $(seq 1 20); do
	seen=$(site_py read | json_field status_delay_days)
	[ "$seen" = "4343" ] && break
	sleep 1
done
[ "$seen" = "4343" ] || fail "the replica did not catch up ($seen)"
echo "  replication resumed: the answer caught up (4343)"

cleanup
echo "REPLICA RESULT: PASSED: a second MariaDB on 127.0.0.1:$PORT replicated $SITE's database; get_order_status (frappe.read_only) read from it — the primary's write reached it, and with replication paused it answered the replica's value, not the primary's; caught up when resumed"
