"""TOKEN authorizer (owned by the identity team): members of the `support` group only.

The token is a Cognito access token. The authorizer checks it the way a JWT library does: the
RS256 signature against the user pool's published keys (jwks.json, fetched at release time),
then expiry and token use. The user's groups are in the token (`cognito:groups`). The policy
names exactly the method asked about.
"""

import base64
import hashlib
import json
import os
import time

with open(os.path.join(os.path.dirname(__file__), "jwks.json"), encoding="utf-8") as handle:
    KEYS = {key["kid"]: key for key in json.load(handle)["keys"]}
# DER prefix of a SHA-256 DigestInfo (PKCS #1 v1.5 signatures).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def _b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(token):
    """The token's claims if its signature, expiry and use check out; ValueError otherwise."""
    try:
        head, body, signature = token.split(".")
        header = json.loads(_b64(head))
        key = KEYS[header["kid"]]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"not a token of this user pool: {exc}") from None
    if header.get("alg") != "RS256":
        raise ValueError("only RS256 tokens are accepted")
    n = int.from_bytes(_b64(key["n"]), "big")
    e = int.from_bytes(_b64(key["e"]), "big")
    size = (n.bit_length() + 7) // 8
    decoded = pow(int.from_bytes(_b64(signature), "big"), e, n).to_bytes(size, "big")
    digest = hashlib.sha256(f"{head}.{body}".encode()).digest()
    padding = b"\xff" * (size - 3 - len(SHA256_PREFIX) - len(digest))
    if decoded != b"\x00\x01" + padding + b"\x00" + SHA256_PREFIX + digest:
        raise ValueError("bad signature")
    claims = json.loads(_b64(body))
    if claims.get("exp", 0) < time.time():
        raise ValueError("expired")
    if claims.get("token_use") != "access":
        raise ValueError("not an access token")
    return claims


def handler(event, context):
    try:
        claims = _claims(event["authorizationToken"])
    except ValueError as exc:
        print(f"token refused: {exc}")
        raise Exception("Unauthorized") from None  # API Gateway answers 401
    allowed = "support" in claims.get("cognito:groups", [])
    return {
        "principalId": claims["username"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": {"username": claims["username"]},
    }
