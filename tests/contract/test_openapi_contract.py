"""Schemathesis against the gateway's merged OpenAPI document: every operation, with the credentials of
the role it is for, must answer without a server error and as documented (status code, content type,
body schema).

Schemathesis's own pytest loader (`schemathesis.pytest.from_fixture`) does not run under pytest 9.2
(it sets `Function._nodeid`, which pytest 9.2 no longer has), so the operations are driven here through
its Python API: the deterministic coverage cases first, then Hypothesis with a fixed derivation.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from unittest import SkipTest

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, Response, checks
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation

from tests.contract import known_records
from tests.contract.known_records import KnownRecords
from tests.support.actors import Actor, Cast
from vru_gateway.routes import DEFAULT_PORTS, service_for

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
SEED = 20240517
# Per operation: the first coverage cases (boundaries, missing and wrong-typed fields), then examples
# generated valid and invalid, and valid ones aimed at the known records. About 40 s on two cores.
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
    config = schemathesis.Config.from_dict({"seed": SEED, "generation": {"deterministic": True}})
    schema = schemathesis.openapi.from_url(f"{fuzzed_platform.url}/openapi.json", config=config)
    document = schema.raw_schema
    # A service that is down leaves its operations out of the document: that must fail, not pass quietly.
    assert document["x-missing-services"] == [], document["info"]["description"]
    cast = fuzzed_platform.cast

    calls: Counter[str] = Counter()

    def call(case: Case) -> Response:
        actor = actor_for(case.method.upper(), case.operation.path, cast)
        headers = {"Authorization": f"Bearer {actor.token()}"} if actor else {}
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
