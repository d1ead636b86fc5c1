#!/bin/sh
# Pretend database migration: needs the URL and the password from the environment.
set -e
if [ -z "$DB_URL" ]; then
  echo "migrate: DB_URL is not set" >&2
  exit 2
fi
if [ -z "$DB_PASSWORD" ]; then
  echo "migrate: DB_PASSWORD is not set" >&2
  exit 2
fi
echo "migrate: connecting to ${DB_URL%%/orders}"
echo "migrate: 3 migrations applied"
