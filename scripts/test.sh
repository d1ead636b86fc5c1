#!/usr/bin/env bash
# The whole suite. Locally: SQLite + the filesystem broker (integration tests skip with a reason).
# With CI=true: again against PostgreSQL and Redis, where those tests are required (fail, not skip).
set -eu
PY=.venv/bin/python
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}

echo ">> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "!! ruff format would change files: run make format" >&2; exit 1; }

echo ">> import-linter (architecture contracts in pyproject.toml)"
.venv/bin/lint-imports --no-cache >/dev/null || { .venv/bin/lint-imports --no-cache; exit 1; }

# Types: the apps (Django/DRF plug-ins) and the simulator (strict modules listed), as configured
# in [tool.mypy]; the cache in var/mypy-cache makes a repeat run take seconds.
echo ">> mypy (types: apps and simulator, [tool.mypy] in pyproject.toml)"
.venv/bin/mypy || { echo "!! mypy found type errors: fix them (docs/architecture.md, Types)" >&2; exit 1; }

echo ">> manage.py check --deploy (production settings)"
DJANGO_SETTINGS_MODULE=config.settings.production \
  DJANGO_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))') \
  DJANGO_ALLOWED_HOSTS=example.com $PY manage.py check --deploy --fail-level WARNING

echo ">> pytest (SQLite, filesystem broker)"
env -u DATABASE_URL -u CELERY_BROKER_URL $PY -m pytest "$@"

if [ "${CI:-}" = "true" ] || [ "${PA_TEST_SERVICES:-}" = "1" ]; then
  echo ">> pytest (PostgreSQL + Redis; integration tests required)"
  PA_REQUIRE_SERVICES=1 DATABASE_URL="$PG_URL" CELERY_BROKER_URL="$REDIS_URL" CELERY_RESULT_BACKEND="$REDIS_URL" \
    $PY -m pytest -m "not browser" "$@"
fi
