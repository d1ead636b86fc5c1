#!/bin/bash
echo "after_install: $LIFECYCLE_EVENT on $DEPLOYMENT_GROUP_NAME"
