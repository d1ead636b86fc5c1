#!/usr/bin/env bash
# Start the web server and a Celery worker together; Ctrl-C (or TERM) stops both cleanly.
set -u
PY=.venv/bin/python
mkdir -p var
$PY -m celery -A config worker --beat --schedule var/celerybeat-schedule --loglevel=INFO \
  --concurrency=2 --hostname=local@%h &
worker=$!
$PY manage.py runserver 127.0.0.1:8000 &
web=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
  echo "Stopped the web server and the worker."
}
trap stop INT TERM EXIT
echo "Pipeline Academy: http://127.0.0.1:8000  (learner / learner-demo, instructor / instructor-demo)"
wait -n "$web" "$worker"
