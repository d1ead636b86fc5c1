#!/bin/bash
# ValidateService: check the server answers before the instance counts as done.
if [ ! -f /tmp/orders-web.started ]; then
  echo "validate_service: GET http://localhost:8080/health.json -> connection refused" >&2
  exit 7
fi
echo "validate_service: GET http://localhost:8080/health.json -> 200 {\"status\": \"ok\"}"
