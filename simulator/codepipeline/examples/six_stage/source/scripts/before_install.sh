#!/bin/bash
echo "before_install: $LIFECYCLE_EVENT on $DEPLOYMENT_GROUP_NAME"
