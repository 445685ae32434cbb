#!/usr/bin/env bash
# Start this machine's PostgreSQL (Debian's package) for the store tests; print the URL to use.
# Run as root, as CI runs; prints nothing and exits non-zero when no server can be had.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null; then
  apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
[ "$status" = online ] || pg_ctlcluster "$version" "$cluster" start >/dev/null
as_postgres() { su postgres -c "$1"; }
as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'jianggao'\"" | grep -q 1 \
  || as_postgres "psql -q -p $port -c \"CREATE ROLE jianggao LOGIN PASSWORD 'jianggao'\""
as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'jianggao_test'\"" | grep -q 1 \
  || as_postgres "createdb -p $port -O jianggao jianggao_test"
echo "postgresql+psycopg://jianggao:jianggao@127.0.0.1:$port/jianggao_test"
