#!/bin/sh
# First start of the compose database only (docker-entrypoint-initdb.d): the server's own role and
# database. The role owns the tables but is no superuser, because a superuser bypasses row-level
# security. CREATEROLE lets it create the NOLOGIN role kommune_desk_app the server runs requests
# as (PostgreSQL 16: it administers only roles it created itself).
set -eu
psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set password="$KOMMUNE_DESK_DB_PASSWORD" <<'SQL'
CREATE ROLE kommune_desk LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE PASSWORD :'password';
CREATE DATABASE kommune_desk OWNER kommune_desk;
SQL
