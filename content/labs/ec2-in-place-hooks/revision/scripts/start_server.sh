#!/bin/bash
# ApplicationStart: start the web server on the files Install copied.
if [ ! -f /tmp/orders-web/dependencies.ok ]; then
  echo "start_server: runtime packages are missing (install_dependencies.sh has not run)" >&2
  exit 1
fi
echo "orders-web started on port 8080"
touch /tmp/orders-web.started
