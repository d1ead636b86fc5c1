#!/bin/bash
echo "validate: $LIFECYCLE_EVENT on $DEPLOYMENT_GROUP_NAME"
