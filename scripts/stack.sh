#!/usr/bin/env bash
# stack.sh: the local services the engine and its integration tests need, without Docker.
#
#   stack.sh up      PostgreSQL answering (start the local cluster if it does not), the owner and runtime roles
#                    and the database owned by the owner created when missing (as DATABASE_ADMIN_URL),
#                    Kafka answering (start scripts/kafka-local.sh if nothing answers on KAFKA_BROKERS)
#   stack.sh down    stop only what "up" started (recorded in a state dir)
#   stack.sh status  one line per service; exit 0 if everything answers, 3 if not
#
# Environment (all optional):
#   DATABASE_URL=postgres://commission_engine@127.0.0.1:5432/commissions     the engine's role (runtime): LOGIN only
#   MIGRATION_DATABASE_URL=postgres://commission_owner@127.0.0.1:5432/commissions
#                                   the owner (LOGIN CREATEDB), which migrates and owns the database; when only
#                                   DATABASE_URL is given it is that (one role for both, as the engine reads it)
#   DATABASE_ADMIN_URL=postgres://postgres@HOST:PORT/postgres      a superuser of the cluster (or a role with
#                                   CREATEROLE and CREATEDB): creates the roles and the database (with one role
#                                   for both URLs, that role by default, as before there were two)
#   (host, port, user, password, database of each; a password in a role's URL is set on that role)
#   KAFKA_BROKERS=127.0.0.1:9092    comma-separated; the first host:port is checked / started
#   STACK_STATE_DIR=${TMPDIR:-/tmp}/commission-engine-stack        what "up" started, for "down"
#   PG_CLUSTER=main                 the Debian cluster (pg_ctlcluster VERSION NAME) started if nothing answers
#   PG_START_TIMEOUT=60             seconds to wait for PostgreSQL after starting it
#   KAFKA_STATE_DIR, KAFKA_CONTROLLER_PORT, KAFKA_VERSION, ...      passed on to kafka-local.sh
# Both up and down are idempotent. Messages go to stderr, prefixed "stack:".
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_LOCAL="$SCRIPT_DIR/kafka-local.sh"
STATE="${STACK_STATE_DIR:-${TMPDIR:-/tmp}/commission-engine-stack}"
PG_STARTED="$STATE/postgres.started"   # holds "VERSION NAME" of the cluster we started
PG_CLUSTER="${PG_CLUSTER:-main}"
KAFKA_STARTED="$STATE/kafka.started"   # holds the env to give kafka-local.sh stop

say() { echo "stack: $*" >&2; }
die() { echo "stack: ERROR: $*" >&2; exit 1; }

# ---- the URLs -> PG_HOST PG_PORT PG_DB, RUNTIME_*/OWNER_*/ADMIN_* (USER, PASS) -------------------------
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

parse_pg_url() {  # parse_pg_url NAME URL PREFIX: sets ${PREFIX}_HOST _PORT _USER _PASS _DB
  local name="$1" url="$2" prefix="$3"
  case "$url" in postgres://*|postgresql://*) ;; *) die "$name must start with postgres:// (got: $url)" ;; esac
  local rest="${url#*://}" creds="" hostport db="" host port=5432 user="" pass=""
  if [[ "$rest" == *@* ]]; then creds="${rest%%@*}"; rest="${rest#*@}"; fi
  hostport="${rest%%/*}"
  if [[ "$rest" == */* ]]; then db="${rest#*/}"; fi
  db="$(urldecode "${db%%\?*}")"
  [ -n "$db" ] || die "$name has no database name: $url"
  host="${hostport%%:*}"
  if [[ "$hostport" == *:* ]]; then port="${hostport##*:}"; fi
  if [ -z "$host" ]; then host=127.0.0.1; fi
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port in $name: $url"
  if [ -n "$creds" ]; then
    user="$(urldecode "${creds%%:*}")"
    if [[ "$creds" == *:* ]]; then pass="$(urldecode "${creds#*:}")"; fi
  fi
  printf -v "${prefix}_HOST" '%s' "$host"; printf -v "${prefix}_PORT" '%s' "$port"; printf -v "${prefix}_DB" '%s' "$db"
  printf -v "${prefix}_USER" '%s' "${user:-postgres}"; printf -v "${prefix}_PASS" '%s' "$pass"
}

parse_database_urls() {
  local runtime_url="${DATABASE_URL:-postgres://commission_engine@127.0.0.1:5432/commissions}"
  local owner_url="${MIGRATION_DATABASE_URL:-${DATABASE_URL:-postgres://commission_owner@127.0.0.1:5432/commissions}}"
  parse_pg_url DATABASE_URL "$runtime_url" RUNTIME
  parse_pg_url MIGRATION_DATABASE_URL "$owner_url" OWNER
  [ "$OWNER_DB" = "$RUNTIME_DB" ] || die "MIGRATION_DATABASE_URL and DATABASE_URL must name the same database ($OWNER_DB, $RUNTIME_DB)"
  PG_HOST="$OWNER_HOST"; PG_PORT="$OWNER_PORT"; PG_DB="$OWNER_DB"
  if [ -n "${DATABASE_ADMIN_URL:-}" ]; then
    parse_pg_url DATABASE_ADMIN_URL "$DATABASE_ADMIN_URL" ADMIN
  elif [ "$OWNER_USER" = "$RUNTIME_USER" ]; then  # one role for both: it creates the database, as before the roles
    ADMIN_HOST="$OWNER_HOST"; ADMIN_PORT="$OWNER_PORT"; ADMIN_USER="$OWNER_USER"; ADMIN_PASS="$OWNER_PASS"; ADMIN_DB=postgres
  else
    parse_pg_url DATABASE_ADMIN_URL "postgres://postgres@$PG_HOST:$PG_PORT/postgres" ADMIN
  fi
}

is_local_host() { case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac; }

tcp_open() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

psql_admin() {  # psql_admin ARGS...: run psql as DATABASE_ADMIN_URL (on its database unless -d is given)
  PGPASSWORD="$ADMIN_PASS" PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 \
    -h "$ADMIN_HOST" -p "$ADMIN_PORT" -U "$ADMIN_USER" -d "$ADMIN_DB" "$@"
}

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }
sql_ident() { printf '"%s"' "${1//\"/\"\"}"; }

# ensure_role ROLE PASSWORD ATTRIBUTES WHAT: create the role when missing; set the password given in its URL
ensure_role() {
  local role="$1" pass="$2" attributes="$3" what="$4" lit ident
  lit="$(sql_literal "$role")"; ident="$(sql_ident "$role")"
  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = $lit")" = 1 ]; then
    say "postgres: role $role ($what) exists"
  else
    # A concurrent "up" may create it between the check and here: re-check before failing.
    local err
    if err="$(psql_admin -c "CREATE ROLE $ident $attributes" 2>&1 >/dev/null)" \
       || [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = $lit")" = 1 ]; then
      say "postgres: created role $role ($what: $attributes)"
    else
      die "postgres: could not create role $role as $ADMIN_USER: $err"
    fi
  fi
  if [ -n "$pass" ]; then psql_admin -c "ALTER ROLE $ident PASSWORD $(sql_literal "$pass")" >/dev/null; fi
}

# The roles of the two URLs (skipped for the admin itself: one role for everything is the old single-URL setup).
ensure_roles() {
  if [ "$OWNER_USER" != "$ADMIN_USER" ]; then
    ensure_role "$OWNER_USER" "$OWNER_PASS" "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOREPLICATION" "owner, migrates"
  fi
  if [ "$RUNTIME_USER" != "$OWNER_USER" ] && [ "$RUNTIME_USER" != "$ADMIN_USER" ]; then
    ensure_role "$RUNTIME_USER" "$RUNTIME_PASS" "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION" "runtime, owns nothing"
    local lit; lit="$(sql_literal "$RUNTIME_USER")"
    if [ "$(psql_admin -tAc "SELECT rolsuper OR rolbypassrls OR rolcreaterole FROM pg_roles WHERE rolname = $lit")" = t ]; then
      say "postgres: WARNING: the runtime role $RUNTIME_USER is a superuser or has BYPASSRLS or CREATEROLE: privileges do not bind it"
    fi
  else
    say "postgres: DATABASE_URL and MIGRATION_DATABASE_URL connect as one role ($RUNTIME_USER): the engine runs as the role that migrates (no runtime role)"
  fi
}

# A database created before the roles (owned by another role, e.g. by "up" of an older checkout as postgres): the
# owner role takes it over, with every table, sequence, view and function of its schema, so that it can migrate
# and grant. Only as the admin, and not when the owner is a superuser anyway.
adopt_database() {
  local db_ident owner_ident owner_lit current
  db_ident="$(sql_ident "$PG_DB")"; owner_ident="$(sql_ident "$OWNER_USER")"; owner_lit="$(sql_literal "$OWNER_USER")"
  [ "$(psql_admin -tAc "SELECT rolsuper FROM pg_roles WHERE rolname = $owner_lit")" = f ] || return 0
  current="$(psql_admin -tAc "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $(sql_literal "$PG_DB")")"
  local foreign
  foreign="$(psql_admin -d "$PG_DB" -tAc "SELECT count(*) FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
      AND c.relkind IN ('r','p','v','m','f','S') AND pg_get_userbyid(c.relowner) <> $owner_lit")"
  if [ "$current" = "$OWNER_USER" ] && [ "$foreign" = 0 ]; then return 0; fi
  say "postgres: database \"$PG_DB\" is owned by $current with $foreign object(s) of other roles: handing it to $OWNER_USER"
  psql_admin -c "ALTER DATABASE $db_ident OWNER TO $owner_ident" >/dev/null
  psql_admin -d "$PG_DB" >/dev/null <<SQL
DO \$\$
DECLARE item record;
BEGIN
  FOR item IN
    SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r','p','v','m','f','S')
       AND pg_get_userbyid(c.relowner) <> $owner_lit
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a','i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
      CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      item.name, $owner_lit);
  END LOOP;
  FOR item IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p
     WHERE p.pronamespace = current_schema()::regnamespace AND pg_get_userbyid(p.proowner) <> $owner_lit
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.name, $owner_lit);
  END LOOP;
END \$\$;
SQL
}

pg_cluster_version() {  # newest version under /etc/postgresql that has the cluster $PG_CLUSTER
  [ -d /etc/postgresql ] || return 1
  local v
  v="$(cd /etc/postgresql && for d in */"$PG_CLUSTER"; do [ -d "$d" ] && echo "${d%%/*}"; done | sort -V | tail -n 1)"
  [ -n "$v" ] && echo "$v"
}

db_exists() {
  local lit="${PG_DB//\'/\'\'}"
  [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$lit'")" = 1 ]
}

postgres_up() {
  if pg_answers; then
    say "postgres: answering on $PG_HOST:$PG_PORT"
  else
    is_local_host "$PG_HOST" || die "postgres: nothing answers on $PG_HOST:$PG_PORT (not a local host, so not starting one)"
    command -v pg_ctlcluster >/dev/null 2>&1 || die "postgres: nothing answers on $PG_HOST:$PG_PORT and pg_ctlcluster is not installed"
    local ver; ver="$(pg_cluster_version)" \
      || die "postgres: nothing answers on $PG_HOST:$PG_PORT and there is no cluster /etc/postgresql/*/$PG_CLUSTER"
    say "postgres: not answering on $PG_HOST:$PG_PORT, starting cluster $ver/$PG_CLUSTER"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$PG_CLUSTER" start \
      || die "postgres: 'pg_ctlcluster --skip-systemctl-redirect $ver $PG_CLUSTER start' failed"
    mkdir -p "$STATE"; echo "$ver $PG_CLUSTER" > "$PG_STARTED"
    local deadline=$((SECONDS + ${PG_START_TIMEOUT:-60}))
    until pg_answers; do
      [ "$SECONDS" -lt "$deadline" ] || die "postgres: cluster $ver/main started but $PG_HOST:$PG_PORT does not answer after ${PG_START_TIMEOUT:-60}s"
      sleep 0.5
    done
    say "postgres: started, answering on $PG_HOST:$PG_PORT"
  fi
  command -v psql >/dev/null 2>&1 || die "postgres: psql is not installed"
  local out
  out="$(psql_admin -tAc 'SELECT 1' 2>&1)" \
    || die "postgres: cannot connect as $ADMIN_USER to $ADMIN_HOST:$ADMIN_PORT/$ADMIN_DB (DATABASE_ADMIN_URL): $out"
  ensure_roles
  if db_exists; then
    say "postgres: database \"$PG_DB\" exists"
    adopt_database
  else
    local err
    # A concurrent "up" may create it between the check and here: re-check before failing.
    if err="$(psql_admin -c "CREATE DATABASE $(sql_ident "$PG_DB") OWNER $(sql_ident "$OWNER_USER")" 2>&1 >/dev/null)" || db_exists; then
      say "postgres: created database \"$PG_DB\" owned by $OWNER_USER"
    else
      die "postgres: could not create database \"$PG_DB\" as $ADMIN_USER@$ADMIN_HOST:$ADMIN_PORT: $err"
    fi
  fi
}

postgres_down() {
  if [ -f "$PG_STARTED" ]; then
    local ver name
    read -r ver name < "$PG_STARTED" || true
    name="${name:-main}"
    say "postgres: stopping cluster $ver/$name (started by stack.sh up)"
    if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop; then
      if pg_answers; then die "postgres: 'pg_ctlcluster --skip-systemctl-redirect $ver $name stop' failed"; fi
    fi
    rm -f "$PG_STARTED"
  else
    say "postgres: not started by stack.sh up, leaving it alone"
  fi
}

# ---- Kafka -----------------------------------------------------------------------------------------
parse_kafka_brokers() {
  local first="${KAFKA_BROKERS:-127.0.0.1:9092}"
  first="${first%%,*}"; first="${first#*://}"
  K_HOST="${first%%:*}"; K_PORT=9092
  if [[ "$first" == *:* ]]; then K_PORT="${first##*:}"; fi
  if [ -z "$K_HOST" ]; then K_HOST=127.0.0.1; fi
  [[ "$K_PORT" =~ ^[0-9]+$ ]] || die "kafka: bad port in KAFKA_BROKERS=${KAFKA_BROKERS:-}"
}

# The environment kafka-local.sh gets: listen where KAFKA_BROKERS points. On a non-default port, a state
# dir and controller port of its own, so it cannot collide with a default broker on 9092.
kafka_env() {
  local host="$K_HOST"; if [ "$host" = localhost ]; then host=127.0.0.1; fi
  local sdir="${KAFKA_STATE_DIR:-}" cport="${KAFKA_CONTROLLER_PORT:-}"
  if [ "$K_PORT" = 9092 ]; then
    sdir="${sdir:-${TMPDIR:-/tmp}/kafka-local}"; cport="${cport:-9093}"
  else
    sdir="${sdir:-${TMPDIR:-/tmp}/kafka-local-$K_PORT}"; cport="${cport:-$((K_PORT + 1))}"
  fi
  printf 'KAFKA_HOST=%s\nKAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\nKAFKA_STATE_DIR=%s\n' "$host" "$K_PORT" "$cport" "$sdir"
}

run_kafka_local() {  # run_kafka_local ENVFILE CMD
  local -a envs=()
  local line
  while IFS= read -r line; do if [ -n "$line" ]; then envs+=("$line"); fi; done < "$1"
  env "${envs[@]}" bash "$KAFKA_LOCAL" "$2"
}

kafka_up() {
  if tcp_open "$K_HOST" "$K_PORT"; then
    say "kafka: answering on $K_HOST:$K_PORT"
    return 0
  fi
  is_local_host "$K_HOST" || die "kafka: nothing answers on $K_HOST:$K_PORT (not a local host, so not starting one)"
  [ -f "$KAFKA_LOCAL" ] || die "kafka: $KAFKA_LOCAL is missing"
  mkdir -p "$STATE"
  local envfile="$STATE/kafka.env.$$"
  kafka_env > "$envfile"
  say "kafka: nothing answers on $K_HOST:$K_PORT, starting a local broker (scripts/kafka-local.sh)"
  if ! run_kafka_local "$envfile" start; then
    rm -f "$envfile"; die "kafka: scripts/kafka-local.sh start failed (see the messages above)"
  fi
  mv "$envfile" "$KAFKA_STARTED"
  tcp_open "$K_HOST" "$K_PORT" || die "kafka: kafka-local.sh reported success but $K_HOST:$K_PORT does not answer"
  say "kafka: started, answering on $K_HOST:$K_PORT"
}

kafka_down() {
  if [ -f "$KAFKA_STARTED" ]; then
    say "kafka: stopping the broker started by stack.sh up"
    run_kafka_local "$KAFKA_STARTED" stop || die "kafka: scripts/kafka-local.sh stop failed"
    rm -f "$KAFKA_STARTED"
  else
    say "kafka: not started by stack.sh up, leaving it alone"
  fi
}

# ---- commands --------------------------------------------------------------------------------------
up() {
  local t0=$SECONDS
  postgres_up
  kafka_up
  say "up (${PG_HOST}:${PG_PORT}/${PG_DB}, kafka ${K_HOST}:${K_PORT}) in $((SECONDS - t0))s"
}

down() {
  kafka_down
  postgres_down
  say "down"
}

status() {
  local rc=0 who
  who=""; if [ -f "$PG_STARTED" ]; then who=" (started by stack.sh)"; fi
  if pg_answers; then
    if db_exists 2>/dev/null; then echo "postgres: up on $PG_HOST:$PG_PORT, database $PG_DB exists$who"
    else echo "postgres: up on $PG_HOST:$PG_PORT, database $PG_DB MISSING$who"; rc=3; fi
  else echo "postgres: DOWN on $PG_HOST:$PG_PORT"; rc=3; fi
  who=""; if [ -f "$KAFKA_STARTED" ]; then who=" (started by stack.sh)"; fi
  if tcp_open "$K_HOST" "$K_PORT"; then echo "kafka: up on $K_HOST:$K_PORT$who"
  else echo "kafka: DOWN on $K_HOST:$K_PORT"; rc=3; fi
  return "$rc"
}

parse_database_urls
parse_kafka_brokers
case "${1:-}" in
  up)     up ;;
  down)   down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
