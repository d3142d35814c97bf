#!/usr/bin/env bash
# The commission engine's two roles and its database, created once, on the first start of an empty data volume
# (the postgres image runs /docker-entrypoint-initdb.d/* as the superuser; docker-compose.yml mounts this folder):
#   commission_owner   LOGIN CREATEDB: owns the database and every table; the engine migrates as it (MIGRATION_DATABASE_URL)
#   commission_engine  LOGIN only: owns nothing; the engine runs as it (DATABASE_URL), with the rights the migrations grant
# A data volume initialised before this script existed is not touched: `docker compose down -v` (drops the data),
# or run this script's SQL by hand as postgres and hand the database and its tables to commission_owner
# (scripts/stack.sh up does that for a local cluster).
set -euo pipefail

: "${COMMISSION_OWNER_PASSWORD:?set COMMISSION_OWNER_PASSWORD}"
: "${COMMISSION_ENGINE_PASSWORD:?set COMMISSION_ENGINE_PASSWORD}"

psql -X -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v owner="${COMMISSION_OWNER_ROLE:-commission_owner}" -v owner_password="$COMMISSION_OWNER_PASSWORD" \
  -v runtime="${COMMISSION_ENGINE_ROLE:-commission_engine}" -v runtime_password="$COMMISSION_ENGINE_PASSWORD" \
  -v database="${COMMISSION_DATABASE:-commissions}" <<'SQL'
CREATE ROLE :"owner" LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD :'owner_password';
CREATE ROLE :"runtime" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD :'runtime_password';
CREATE DATABASE :"database" OWNER :"owner";
SQL
