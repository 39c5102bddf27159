#!/usr/bin/env bash
# Make a PostgreSQL server reachable for the store tests and print its admin URL on stdout.
# Uses SLATE_TEST_POSTGRES_URL when it already answers; otherwise installs Debian's postgresql
# when missing, starts the first cluster, and creates the role `slate` (password `slate`).
set -euo pipefail
# Only the URL may reach stdout (the Makefile captures it): everything the tools print goes to stderr.
exec 3>&1 1>&2

log() { printf '==> %s\n' "$*" >&2; }
URL_DEFAULT="postgresql://slate:slate@127.0.0.1:5432/postgres"
URL="${SLATE_TEST_POSTGRES_URL:-$URL_DEFAULT}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

answers() { PGCONNECT_TIMEOUT=3 psql "$URL" -qAtc 'select 1' >/dev/null 2>&1; }

if command -v psql >/dev/null 2>&1 && answers; then echo "$URL" >&3; exit 0; fi

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  log "installing PostgreSQL from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster _ < <(pg_lsclusters -h | head -n 1)
log "starting PostgreSQL cluster $version/$cluster"
# the server must not inherit the URL pipe, or the caller waits for it forever
as_root pg_ctlcluster "$version" "$cluster" start 3>&- || true
for _ in $(seq 1 30); do as_postgres pg_isready -q && break; sleep 1; done
as_postgres psql -qAtc "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'slate') THEN
    CREATE ROLE slate LOGIN SUPERUSER PASSWORD 'slate';
  END IF; END \$\$;" >/dev/null
answers || { log "PostgreSQL started but $URL does not answer"; exit 1; }
echo "$URL" >&3
