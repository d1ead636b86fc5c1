#!/usr/bin/env bash
# Start the web server and a Celery worker (with beat) together; Ctrl-C or TERM stops both,
# including the dev server's reloader child, and nothing is left listening on the port.
set -u
PY=.venv/bin/python
mkdir -p var
# Each in its own process group, so stopping one group stops all its children. The beat embedded
# in the worker also ends with the worker if only the worker is killed (core/worker.py).
setsid $PY -m celery -A config worker --beat --schedule var/celerybeat-schedule --loglevel=INFO \
  --concurrency=2 --hostname=local@%h &
worker=$!
setsid $PY manage.py runserver 127.0.0.1:8000 &
web=$!
stop() {
  trap - INT TERM EXIT
  # The server's group (reloader and child); only the worker's main process, which then shuts
  # its pool down itself (a TERM to its children would be reported as lost work).
  kill -TERM -- "-$web" "$worker" 2>/dev/null
  for _ in $(seq 1 40); do  # up to 20 s for the worker's warm shutdown
    kill -0 -- "-$web" 2>/dev/null || kill -0 -- "-$worker" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$web" "-$worker" 2>/dev/null
  echo "Stopped the web server and the worker."
}
trap stop INT TERM EXIT
echo "Pipeline Academy: http://127.0.0.1:8000  (learner / learner-demo, instructor / instructor-demo)"
wait -n "$web" "$worker"
