"""HTTP routes for aggregate metrics: the catalogue, and one metric by period, group and audience.

Metrics are aggregates under a disclosure policy and hold no personal data, so reading them is
not audited; every refused metric request is (a missing scope, an audience the role may not see).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.request_fields import Day
from vru_shared.problems import PROBLEM_RESPONSES, InvalidParam, Problem

from vru_outcomes.domain.catalogue import CATALOGUE
from vru_outcomes.domain.metric_access import AudienceNotAllowed, audience_for
from vru_outcomes.domain.metric_query import AUDIENCES, FILTERS, InvalidQuery, parse_query
from vru_outcomes.domain.periods import Granularity
from vru_outcomes.domain.projections import uk_date
from vru_outcomes.entrypoints import csv_export, metric_parameters
from vru_outcomes.entrypoints.deps import METRIC, AnswersDep, CatalogueReader, MetricReader, UowDep
from vru_outcomes.entrypoints.metric_schemas import CatalogueOut, MetricOut, MetricResultOut
from vru_outcomes.service_layer.metrics import answer
from vru_outcomes.service_layer.recording import audit_refusal

router = APIRouter(prefix="/v1/metrics", tags=["metrics"], responses=PROBLEM_RESPONSES)


def _values(name: str) -> Any:
    pattern = metric_parameters.FILTERS[name][0]
    return Annotated[list[str] | None, Query(
        description="Repeat the parameter or separate values with commas.",
        json_schema_extra={"items": {"type": "string", "pattern": pattern}})]


ProgrammeIds = _values("programme_id")
Providers = _values("provider")
Sources = _values("source")
AgeBands = _values("age_band")
Sexes = _values("sex")
EthnicityGroups = _values("ethnicity_group")
PostcodeDistricts = _values("postcode_district")


_PERIOD = {"pattern": metric_parameters.PERIOD}


@router.get("", response_model=CatalogueOut)
async def list_metrics(_caller: CatalogueReader) -> CatalogueOut:
    """Every metric with its definition, numerator, denominator, cohort rule, unit and version."""
    return CatalogueOut(metrics=[MetricOut.of(m) for m in CATALOGUE.values()])


@router.get(
    "/{metric_id}",
    response_model=MetricResultOut,
    responses={200: {"content": {csv_export.MEDIA_TYPE: {}}, "description": "JSON, or CSV on request"}},
)
async def get_metric(
    metric_id: str,
    request: Request,
    caller: MetricReader,
    uow: UowDep,
    answers: AnswersDep,
    from_: Annotated[
        str | None,
        Query(alias="from", description='First period: a month "2024-05", a quarter "2024/25 Q1" or a year "2024/25"; '
              "not after to.", json_schema_extra=_PERIOD),
    ] = None,
    to: Annotated[str | None, Query(description="Last period, written like from; default this month.",
                                    json_schema_extra=_PERIOD)] = None,
    group_by: Annotated[
        str | None,
        Query(description="Comma-separated dimensions: programme, provider, source, period, age_band, sex, "
              "ethnicity_group, postcode_district (and reason for breakdowns). Empty for the total only.",
              json_schema_extra={"pattern": metric_parameters.GROUP_BY}),
    ] = None,
    granularity: Annotated[Granularity | None, Query(description="Length of the periods; default quarter.")] = None,
    programme_id: ProgrammeIds = None,
    provider: Providers = None,
    source: Sources = None,
    age_band: AgeBands = None,
    sex: Sexes = None,
    ethnicity_group: EthnicityGroups = None,
    postcode_district: PostcodeDistricts = None,
    audience: Annotated[
        str | None,
        Query(description="internal, vru or public: the disclosure policy applied. Providers may ask for all "
              "three (default internal) and see only their own programmes; the VRU and administrators see every "
              "programme and may ask for vru or public (default vru).",
              json_schema_extra={"enum": metric_parameters.AUDIENCE}),
    ] = None,
    as_of: Annotated[
        Day | None, Query(description="Reoffending: count what was proven by this day (default today); not in "
                                       "the future.")
    ] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(description="csv, or send Accept: text/csv.")] = None,
) -> Response:
    """One metric's table for a range of periods, grouped and filtered, under an audience's disclosure policy."""
    metric = CATALOGUE.get(metric_id)
    if metric is None:
        raise Problem(404, f"no metric {metric_id!r}; GET /v1/metrics lists them", kind="unknown-metric")
    given = dict(
        programme_id=programme_id, provider=provider, source=source, age_band=age_band, sex=sex,
        ethnicity_group=ethnicity_group, postcode_district=postcode_district,
    )
    assert set(given) == set(FILTERS)
    metric_parameters.check_filters(given)
    try:
        audience = audience_for(caller.role, audience, AUDIENCES)
    except AudienceNotAllowed as exc:
        await audit_refusal(caller, AuditEntry(AuditAction.READ, METRIC, metric_id, AuditOutcome.DENIED,
                                               f"audience {audience} not allowed"), uow)
        raise Problem(
            403,
            str(exc),
            kind="audience-not-allowed",
            title="Audience not allowed",
            errors=[InvalidParam(pointer="/query/audience", detail=f"one of: {', '.join(exc.allowed)}")],
        ) from exc
    try:
        query = parse_query(
            metric,
            today=uk_date(datetime.now(UTC)),
            from_label=from_,
            to_label=to,
            group_by=group_by,
            granularity=granularity,
            filters=given,
            audience=audience,
            as_of=as_of,
        )
    except InvalidQuery as exc:
        raise Problem(
            422,
            str(exc),
            kind="invalid-metric-query",
            title="Metric query not valid",
            errors=[InvalidParam(pointer=f"/query/{exc.parameter}", detail=str(exc))],
        ) from exc
    result = await answer(query, caller, uow, answers)
    wants_csv = format == "csv" or (format is None and csv_export.MEDIA_TYPE in request.headers.get("accept", ""))
    if wants_csv:
        return Response(
            csv_export.render(result),
            media_type=f"{csv_export.MEDIA_TYPE}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{csv_export.filename(result)}"',
                "X-Metric-Version": metric.version,
            },
        )
    return JSONResponse(MetricResultOut.of(result).model_dump(mode="json", by_alias=True))
