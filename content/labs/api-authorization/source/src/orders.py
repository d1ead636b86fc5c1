import json

def handler(event, context):
    who = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims", {})
    return {"statusCode": 200, "body": json.dumps({"orders": [], "for": who.get("cognito:username")})}
