#!/bin/bash
# ApplicationStop: stop the running web server (runs from the previous revision).
echo "stopping orders-web"
rm -f /tmp/orders-web.started
