#!/usr/bin/env bash
# Install (Debian packages) and start a local PostgreSQL on 127.0.0.1:5432 with a
# `fwadmin` role that may create the test database. Prints the DATABASE_URL to use.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$version/main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='fwadmin'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE fwadmin LOGIN CREATEDB PASSWORD 'fwadmin'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='fwadmin'\"" | grep -q 1 ||
  su postgres -c "createdb -O fwadmin fwadmin"
echo "postgres://fwadmin:fwadmin@127.0.0.1:5432/fwadmin"
