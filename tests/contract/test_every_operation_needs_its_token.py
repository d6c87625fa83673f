"""Every operation the document says needs a bearer token refuses a request without one, with a made-up
one, and with one signed by a key the platform never published: 401, as a problem with a Bearer challenge.

Schemathesis's ignored_auth makes the first two probes too, but only of requests it saw accepted, and
missing_required_header has no Authorization parameter to leave out (the token belongs to the security
scheme, not to a parameter); this asks every operation, whatever its answer to a real token would be.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PROBLEM = "application/problem+json"


def _forged(real: str) -> str:
    """The real token's claims and key id, signed with a key of our own."""
    header = jwt.get_unverified_header(real)
    claims = jwt.decode(real, options={"verify_signature": False})
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": header["kid"]})


def test_every_operation_that_needs_a_token_refuses_none_a_made_up_one_and_a_forged_one(fuzzed_platform, subtests):
    document = httpx.get(f"{fuzzed_platform.url}/openapi.json", timeout=15).json()
    scheme = next(name for name, s in document["components"]["securitySchemes"].items() if s.get("scheme") == "bearer")
    tokens = {
        "no token": {},
        "a made-up token": {"Authorization": "Bearer not-a-token"},
        "a forged token": {"Authorization": f"Bearer {_forged(fuzzed_platform.cast.administrator.token())}"},
    }
    secured = [(method.upper(), path) for path, item in document["paths"].items() for method, operation in item.items()
               if isinstance(operation, dict) and {scheme: []} in operation.get("security", [])]
    assert len(secured) > 30, secured

    with httpx.Client(base_url=fuzzed_platform.url, timeout=15) as client:
        for method, path in secured:
            url = re.sub(r"{[^}]+}", str(uuid.uuid4()), path)
            for what, headers in tokens.items():
                with subtests.test(msg=f"{method} {path} with {what}"):
                    content = json.dumps({}) if method in ("POST", "PATCH") else None
                    answer = client.request(method, url, headers={**headers, "Content-Type": "application/json"},
                                            content=content)

                    assert answer.status_code == 401, answer.text
                    assert answer.headers["content-type"] == PROBLEM
                    assert answer.headers["www-authenticate"].startswith("Bearer")
