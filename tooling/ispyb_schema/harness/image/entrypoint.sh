#!/bin/bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# The official `mariadb` image's entrypoint interface, for Debian's MariaDB:
# - arguments starting with '-' are server options: `docker run IMAGE --port=3307` runs mariadbd --port=3307;
# - on first start (empty datadir) the datadir is initialised by a temporary server without
#   networking, which sets the root password, creates MARIADB_DATABASE and MARIADB_USER, runs
#   /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz}, and stops; then the real server starts. Each
#   server logs "ready for connections" (the signal testcontainers waits for twice);
# - variables: MARIADB_ROOT_PASSWORD | MARIADB_ALLOW_EMPTY_ROOT_PASSWORD | MARIADB_RANDOM_ROOT_PASSWORD,
#   MARIADB_ROOT_HOST (default %), MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD,
#   MARIADB_INITDB_SKIP_TZINFO; each also as MYSQL_* and as *_FILE (read from that file).
set -euo pipefail
shopt -s nullglob

log() { echo "$(date -u '+%F %T') [Entrypoint]: $*"; }
die() { log "error: $*" >&2; exit 1; }

# file_env NAME: v_NAME from MARIADB_NAME, MARIADB_NAME_FILE, MYSQL_NAME or MYSQL_NAME_FILE.
file_env() {
	local name=$1 value="" var
	for var in "MARIADB_$name" "MYSQL_$name"; do
		local file_var="${var}_FILE"
		if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
			die "both $var and $file_var are set (but are exclusive)"
		fi
		if [ -n "${!var:-}" ]; then value=${!var}; break; fi
		if [ -n "${!file_var:-}" ]; then value=$(<"${!file_var}"); break; fi
	done
	printf -v "v_$name" '%s' "$value"
}

# The value of a server option as mariadbd would see it with these arguments.
server_option() {
	"$@" --verbose --help 2>/dev/null | awk -v opt="$OPTION" '$1 == opt { print $2; exit }'
}

sql_escape() { sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g" <<<"$1"; }

if [ "${1:0:1}" = '-' ]; then
	set -- mariadbd "$@"
fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then
	exec "$@"
fi

OPTION=datadir DATADIR=$(server_option "$@")
OPTION=socket SOCKET=$(server_option "$@")
DATADIR=${DATADIR:-/var/lib/mysql}
SOCKET=${SOCKET:-/run/mysqld/mysqld.sock}
mkdir -p "$DATADIR" "$(dirname "$SOCKET")"
if [ "$(id -u)" = 0 ]; then
	chown mysql:mysql "$DATADIR" "$(dirname "$SOCKET")"
	set -- "$@" --user=mysql
fi

if [ ! -d "$DATADIR/mysql" ]; then
	for name in ROOT_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST DATABASE USER PASSWORD \
		INITDB_SKIP_TZINFO; do
		file_env "$name"
	done
	if [ -z "$v_ROOT_PASSWORD" ] && [ -z "$v_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$v_RANDOM_ROOT_PASSWORD" ]; then
		die "Database is uninitialized and password option is not specified
	You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
	fi
	if [ -n "$v_RANDOM_ROOT_PASSWORD" ]; then
		v_ROOT_PASSWORD=$(head -c 24 /dev/urandom | base64)
		log "GENERATED ROOT PASSWORD: $v_ROOT_PASSWORD"
	fi
	v_ROOT_HOST=${v_ROOT_HOST:-%}

	# Initialisation always shuts InnoDB down cleanly, whatever --innodb-fast-shutdown the server gets.
	log "Initializing database files"
	mariadb-install-db "${@:2}" --datadir="$DATADIR" --auth-root-authentication-method=normal \
		--skip-test-db --skip-log-bin --default-time-zone=SYSTEM --enforce-storage-engine= \
		--innodb-fast-shutdown=0 >/dev/null
	log "Database files initialized"

	log "Starting temporary server"
	"$@" --skip-networking --socket="$SOCKET" --wsrep-on=OFF --skip-log-bin --skip-slave-start \
		--innodb-fast-shutdown=0 &
	pid=$!
	client=(mariadb --protocol=socket --user=root --socket="$SOCKET" --database=mysql --batch --skip-column-names)
	for _ in $(seq 300); do
		"${client[@]}" -e 'SELECT 1' >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || die "the temporary server exited during initialisation"
		sleep 0.1
	done
	"${client[@]}" -e 'SELECT 1' >/dev/null || die "the temporary server did not answer within 30 s"
	log "Temporary server started."

	if [ -z "$v_INITDB_SKIP_TZINFO" ] && [ -d /usr/share/zoneinfo ] && command -v mariadb-tzinfo-to-sql >/dev/null; then
		mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null | "${client[@]}"
	fi

	root_pw=$(sql_escape "$v_ROOT_PASSWORD")
	root_host=$(sql_escape "$v_ROOT_HOST")
	{
		echo "SET @@SESSION.SQL_LOG_BIN=0;"
		echo "DELETE FROM mysql.user WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
		echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_pw';"
		if [ "$v_ROOT_HOST" != localhost ]; then
			echo "CREATE USER 'root'@'$root_host' IDENTIFIED BY '$root_pw';"
			echo "GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;"
			echo "GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;"
		fi
		if [ -n "$v_DATABASE" ]; then
			echo "CREATE DATABASE IF NOT EXISTS \`${v_DATABASE//\`/\`\`}\`;"
		fi
		if [ -n "$v_USER" ] && [ -n "$v_PASSWORD" ]; then
			user=$(sql_escape "$v_USER")
			echo "CREATE USER '$user'@'%' IDENTIFIED BY '$(sql_escape "$v_PASSWORD")';"
			if [ -n "$v_DATABASE" ]; then
				echo "GRANT ALL ON \`${v_DATABASE//\`/\`\`}\`.* TO '$user'@'%';"
			fi
		fi
		echo "FLUSH PRIVILEGES;"
	} | "${client[@]}"
	client+=(--password="$v_ROOT_PASSWORD")

	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh) log "running $f"; . "$f" ;;
			*.sql) log "running $f"; "${client[@]}" --database="${v_DATABASE:-mysql}" <"$f" ;;
			*.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" --database="${v_DATABASE:-mysql}" ;;
			*) log "ignoring $f" ;;
		esac
	done

	log "Stopping temporary server"
	kill "$pid"
	wait "$pid" || true
	log "Temporary server stopped"
	log "MariaDB init process done. Ready for start up."
fi

exec "$@"
