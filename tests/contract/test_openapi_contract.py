"""Schemathesis against the gateway's merged OpenAPI document: every operation, with the credentials of
the role it is for, must answer without a server error and as documented (status code, content type,
body schema); refuse every request the document calls invalid with a 4xx and take every one it calls
valid (but for the rules no schema can state, in rules_beyond_the_schema); refuse a request without its
token, or with a wrong one (ignored_auth re-sends each accepted request so; test_every_operation_needs_its_token
asks every operation); and refuse one without a header the document requires (none is, today: the token is
the security scheme's, and Idempotency-Key is optional).

Schemathesis's own pytest loader (`schemathesis.pytest.from_fixture`) does not run under pytest 9.2
(it sets `Function._nodeid`, which pytest 9.2 no longer has), so the operations are driven here through
its Python API: the deterministic coverage cases first, then Hypothesis with a fixed derivation.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections import Counter
from unittest import SkipTest

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, Response, checks
from schemathesis.checks import CheckContext
from schemathesis.core import NotSet
from schemathesis.core.result import Err
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.schemas import APIOperation

from tests.contract import formats, known_records, rules_beyond_the_schema
from tests.contract.known_records import KnownRecords
from tests.support.actors import Actor, Cast
from vru_shared.openapi_conventions import IDEMPOTENCY_KEY_PATTERN
from vru_gateway.routes import DEFAULT_PORTS, service_for


def positive_data_acceptance(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Schemathesis's check, but that a 422 naming only rules no schema can state (each listed, with
    its reason, in rules_beyond_the_schema) is the API working, not a gap in its document."""
    try:
        return checks.positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        try:
            body = response.json()
        except ValueError:
            body = None
        if rules_beyond_the_schema.broken_rules(case.operation.label, response.status_code, body) is None:
            raise
        return None


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    positive_data_acceptance,
    checks.ignored_auth,
    checks.missing_required_header,
]
# Every request carries a real token of the role it is for (see call below), so Schemathesis is told not to
# generate the Authorization header itself, as its triage guide advises: a generated or removed one would
# be replaced by the real one, and a case Schemathesis thinks negative only for its missing token would
# reach the API valid. ignored_auth still sends each accepted request without the token and with a wrong one.
CONFIG = {"generation": {"deterministic": True, "with-security-parameters": False}}
SEED = 20240517
# Per operation: the first coverage cases (boundaries, missing and wrong-typed fields), then examples
# generated valid and invalid, and valid ones aimed at the known records. About a minute on two cores.
MAX_COVERAGE_CASES = 40
MAX_EXAMPLES = 40
ADMINISTRATION = re.compile(
    r"^/v1/(organisations|clients|auth/signing-keys|audit|metrics|referrals/subject-erasures)(/|$)")


def actor_for(method: str, path: str, cast: Cast) -> Actor | None:
    """Whose token an operation is called with: the role whose scopes it is for, None for no token."""
    if ADMINISTRATION.match(path):
        return cast.administrator
    if path.startswith("/v1/programmes"):
        return cast.administrator if method in ("POST", "PATCH") else cast.provider
    if path.startswith("/v1/referrals"):
        return cast.provider if path.endswith(("/accept", "/decline", "/close")) else cast.referrer
    if path.startswith(("/v1/enrolments", "/v1/outcomes")):
        return cast.provider
    if path.startswith("/v1/code-lists"):
        return cast.referrer
    if path.startswith("/v1/auth/") or path in ("/health", "/ready"):
        return None
    raise AssertionError(f"no role chosen for {method} {path}: add the operation to actor_for")


class IdempotencyKeys:
    """Generated requests reuse generated keys (often "0") with other bodies, which the API rightly refuses
    with a 422 (idempotency-key-reused): a key belongs to one request. The fuzzer cannot know which keys an
    API client has used, so a valid key already used by this client for another request is swapped for a new
    one. An invalid key is left alone: it is what a negative case is about, and the API keeps none."""

    HEADER = "Idempotency-Key"
    VALID = re.compile(IDEMPOTENCY_KEY_PATTERN)

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str], str] = {}

    @staticmethod
    def _request(case: Case) -> str:
        body = None if isinstance(case.body, NotSet) else case.body
        return json.dumps([case.method.upper(), case.formatted_path, sorted((case.query or {}).items()), body],
                          sort_keys=True, default=repr)

    def own_key(self, case: Case, client: str) -> None:
        key = (case.headers or {}).get(self.HEADER)
        if not isinstance(key, str) or not self.VALID.fullmatch(key.strip(" \t")):
            return
        request = self._request(case)
        if self._requests.setdefault((client, key), request) != request:
            fresh = str(uuid.uuid4())
            case.headers[self.HEADER] = fresh
            self._requests[(client, fresh)] = request


def cases(operation: APIOperation, known: KnownRecords) -> st.SearchStrategy[Case]:
    """Valid and invalid requests, and valid ones whose path and body ids name real records."""
    aimed = st.fixed_dictionaries(
        {name: st.sampled_from(ids) for name, ids in known.path_parameters(operation.path).items()}
    ).flatmap(lambda ids: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids or None))
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        aimed.map(known.fill_body),
    )


def test_every_operation_answers_as_its_openapi_document_says(fuzzed_platform, subtests):
    formats.register()
    config = schemathesis.Config.from_dict({"seed": SEED, **CONFIG})
    schema = schemathesis.openapi.from_url(f"{fuzzed_platform.url}/openapi.json", config=config)
    document = schema.raw_schema
    # A service that is down leaves its operations out of the document: that must fail, not pass quietly.
    assert document["x-missing-services"] == [], document["info"]["description"]
    cast = fuzzed_platform.cast

    calls: Counter[str] = Counter()
    keys = IdempotencyKeys()

    def call(case: Case) -> Response:
        actor = actor_for(case.method.upper(), case.operation.path, cast)
        headers = {"Authorization": f"Bearer {actor.token()}"} if actor else {}
        if actor:
            keys.own_key(case, actor.client_id)
        calls[case.operation.label] += 1
        return case.call_and_validate(base_url=fuzzed_platform.url, headers=headers, checks=CHECKS, timeout=30)

    known = known_records.make(schema, cast, call)

    results = list(schema.get_all_operations())
    unreadable = [str(result.err()) for result in results if isinstance(result, Err)]
    assert not unreadable, f"operations Schemathesis cannot read: {unreadable}"
    operations: list[APIOperation] = [result.ok() for result in results]
    for operation in operations:
        with subtests.test(msg=operation.label):
            coverage = schema.iter_coverage_cases(
                operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                generation_config=schema.config.generation_for(operation=operation))
            for case in itertools.islice(coverage, MAX_COVERAGE_CASES):
                call(case)

            # No shrinking: each step would be another request, and the first failure says enough.
            @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=cases(operation, known))
            def fuzz(case: Case) -> None:
                call(case)

            try:
                fuzz()
            except (SkipTest, pytest.skip.Exception) as exc:
                pytest.fail(f"{operation.label} was skipped, which would leave it untested: {exc}")
            assert calls[operation.label] > 0, f"no request was made to {operation.label}"

    served = {service_for(operation.path) for operation in operations}
    assert served >= set(DEFAULT_PORTS), f"operations only of {served}"
