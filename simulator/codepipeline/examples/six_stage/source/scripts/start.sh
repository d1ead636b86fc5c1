#!/bin/bash
echo "start: $LIFECYCLE_EVENT on $DEPLOYMENT_GROUP_NAME"
