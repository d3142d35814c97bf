#!/usr/bin/env bash
# stack.sh: the local services the engine and its integration tests need, without Docker.
#
#   stack.sh up      PostgreSQL answering (start the local cluster if it does not), database created,
#                    Kafka answering (start scripts/kafka-local.sh if nothing answers on KAFKA_BROKERS)
#   stack.sh down    stop only what "up" started (recorded in a state dir)
#   stack.sh status  one line per service; exit 0 if everything answers, 3 if not
#
# Environment (all optional):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/commissions   (host, port, user, password, database)
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

# ---- DATABASE_URL -> PG_HOST PG_PORT PG_USER PG_PASS PG_DB --------------------------------------
parse_database_url() {
  local url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/commissions}"
  case "$url" in postgres://*|postgresql://*) ;; *) die "DATABASE_URL must start with postgres:// (got: $url)" ;; esac
  local rest="${url#*://}" creds="" hostport
  if [[ "$rest" == *@* ]]; then creds="${rest%%@*}"; rest="${rest#*@}"; fi
  hostport="${rest%%/*}"
  PG_DB=""
  if [[ "$rest" == */* ]]; then PG_DB="${rest#*/}"; fi
  PG_DB="${PG_DB%%\?*}"
  PG_DB="$(urldecode "$PG_DB")"
  [ -n "$PG_DB" ] || die "DATABASE_URL has no database name: $url"
  PG_HOST="${hostport%%:*}"; PG_PORT=5432
  if [[ "$hostport" == *:* ]]; then PG_PORT="${hostport##*:}"; fi
  if [ -z "$PG_HOST" ]; then PG_HOST=127.0.0.1; fi
  [[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "bad port in DATABASE_URL: $url"
  PG_USER="postgres"; PG_PASS=""
  if [ -n "$creds" ]; then
    PG_USER="$(urldecode "${creds%%:*}")"
    if [[ "$creds" == *:* ]]; then PG_PASS="$(urldecode "${creds#*:}")"; fi
  fi
}
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

is_local_host() { case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac; }

tcp_open() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

psql_admin() {  # psql_admin ARGS...: run psql on the maintenance database as the URL's user
  PGPASSWORD="$PG_PASS" PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"
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
    || die "postgres: cannot connect as $PG_USER to $PG_HOST:$PG_PORT/postgres: $out"
  if db_exists; then
    say "postgres: database \"$PG_DB\" exists"
  else
    local ident="${PG_DB//\"/\"\"}" err
    # A concurrent "up" may create it between the check and here: re-check before failing.
    if err="$(psql_admin -c "CREATE DATABASE \"$ident\"" 2>&1 >/dev/null)" || db_exists; then
      say "postgres: created database \"$PG_DB\""
    else
      die "postgres: could not create database \"$PG_DB\" as $PG_USER@$PG_HOST:$PG_PORT: $err"
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

parse_database_url
parse_kafka_brokers
case "${1:-}" in
  up)     up ;;
  down)   down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
