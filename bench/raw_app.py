"""The raw FastAPI ceiling: the least an app on this stack can do for a POST of a referral's JSON.

It parses the body and answers 201 with a new id, under uvicorn as the services run (uvloop,
httptools, no access log): no validation of fields, no database, no token."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Body, FastAPI

app = FastAPI()


@app.post("/v1/referrals", status_code=201)
async def accept(body: dict[str, Any] = Body()) -> dict[str, str]:
    """Take any JSON object."""
    return {"id": str(uuid.uuid4())}
