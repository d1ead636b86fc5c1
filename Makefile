# Pipeline Academy — the two commands a newcomer needs are `make run` and `make test`.
# Everything they need is installed from here (nothing lives in anyone's shell history).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
ENV_LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test test-sqlite test-services lint typecheck format bench check-deploy clean system-packages frontend

install: $(STAMP) system-packages frontend ## venv + pinned dependencies + system packages + front-end build

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs only when the lock or the project metadata changed.
$(STAMP): $(VENV)/bin/python requirements.lock pyproject.toml
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	@touch $(STAMP)

system-packages:
	@bash scripts/system-packages.sh

frontend: $(NPM_STAMP)
	@bash scripts/frontend-build.sh

$(NPM_STAMP): package.json package-lock.json
	@bash scripts/frontend-install.sh
	@touch $(NPM_STAMP)

run: install ## the site on http://127.0.0.1:8000 plus a Celery worker (Ctrl-C stops both)
	$(ENV_LOCAL) $(PY) manage.py migrate --noinput
	$(ENV_LOCAL) $(PY) manage.py load_content
	$(ENV_LOCAL) $(PY) manage.py seed_demo
	@$(ENV_LOCAL) bash scripts/run.sh

test: install ## the whole suite; with CI=true also against PostgreSQL and Redis
	@bash scripts/test.sh

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: ## mypy on the apps and the simulator, as make test runs it (config: pyproject.toml)
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install ## benchmarks: figures and ratios, printed
	$(PY) -m bench

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  DJANGO_ALLOWED_HOSTS=example.com $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static/build var staticfiles db.sqlite3*
