"""Load on the platform while a case breaks something: a paced stream of logical requests on a
few threads, and a client that retries each under one Idempotency-Key until it has an answer."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

SUCCESS = (200, 201, 202)


class Stream:
    """Starts step(i) for i in range(n) at a steady pace, on a few worker threads so that a slow
    answer does not slow the stream; step returns what it got, kept in order of i."""

    def __init__(self, n: int, step: Callable[[int], Any], *, per_second: float, workers: int = 6) -> None:
        self.n = n
        self.results: list[Any] = [None] * n
        self.error: BaseException | None = None
        self._step = step
        self._interval = 1 / per_second
        self._workers = workers
        self._done = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="fault-stream", daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        with ThreadPoolExecutor(self._workers, thread_name_prefix="fault-step") as pool:
            for i in range(self.n):
                if self.error is not None:
                    break
                pool.submit(self._one, i)
                time.sleep(max(0.0, started + (i + 1) * self._interval - time.monotonic()))

    def _one(self, i: int) -> None:
        try:
            result = self._step(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the test by finish()
            self.error = exc
            raise
        with self._lock:
            self.results[i] = result
            self._done += 1

    @property
    def done(self) -> int:
        return self._done

    def start(self) -> Stream:
        self._thread.start()
        return self

    def wait_for(self, count: int, timeout: float = 60) -> None:
        """Block until `count` steps are done (or the stream stopped)."""
        deadline = time.monotonic() + timeout
        while self.done < count and self._thread.is_alive():
            assert time.monotonic() < deadline, f"the stream reached {self.done} of {count} steps in {timeout}s"
            time.sleep(0.02)

    def finish(self, timeout: float = 120) -> list[Any]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the stream did not finish in {timeout}s ({self.done}/{self.n})"
        if self.error is not None:
            raise self.error
        return self.results


class Clients:
    """One HTTP client per thread and actor, all closed at the end."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._made: list[httpx.Client] = []
        self._lock = threading.Lock()

    def __call__(self, actor) -> httpx.Client:
        mine = self._local.__dict__.setdefault("clients", {})
        if id(actor) not in mine:
            mine[id(actor)] = actor.client()
            with self._lock:
                self._made.append(mine[id(actor)])
        return mine[id(actor)]

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *_exc: object) -> None:
        for client in self._made:
            client.close()


@dataclass
class Attempts:
    """How one logical request went: every status seen, and the last answer."""

    statuses: list[int | str] = field(default_factory=list)
    answer: httpx.Response | None = None
    # Each server-side refusal (5xx): status, Retry-After, content type, problem type.
    refusals: list[tuple[int, str | None, str | None, str | None]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.answer is not None and self.answer.status_code in SUCCESS

    def json(self) -> Any:
        assert self.answer is not None
        return self.answer.json()


def _refusal(answer: httpx.Response) -> tuple[int, str | None, str | None, str | None]:
    try:
        kind = answer.json().get("type")
    except ValueError:
        kind = None
    return answer.status_code, answer.headers.get("Retry-After"), answer.headers.get("content-type"), kind


def _retry_after(answer: httpx.Response, default: float) -> float:
    try:
        return min(float(answer.headers.get("Retry-After", default)), 5.0)
    except ValueError:
        return default


def send(
    api: httpx.Client,
    method: str,
    path: str,
    *,
    json: Any = None,
    retry_on: Callable[[httpx.Response], bool] | None = None,
    timeout: Callable[[int], float] | None = None,
    deadline_s: float = 60,
) -> Attempts:
    """One logical request, retried under one Idempotency-Key until an answer that is not retryable.

    Retried: transport errors and timeouts (the request may or may not have been done), and
    answers `retry_on` says are worth another go, after their Retry-After.
    """
    retry_on = retry_on or retryable
    key = str(uuid.uuid4())
    attempts = Attempts()
    deadline = time.monotonic() + deadline_s
    attempt = 0
    while True:
        options: dict[str, Any] = {"headers": {"Idempotency-Key": key}}
        if timeout is not None:
            options["timeout"] = timeout(attempt)
        attempt += 1
        try:
            answer = api.request(method, path, json=json, **options)
        except httpx.TransportError as exc:
            attempts.statuses.append(type(exc).__name__)
            pause = 0.05
        else:
            attempts.statuses.append(answer.status_code)
            attempts.answer = answer
            if answer.status_code >= 500:
                attempts.refusals.append(_refusal(answer))
            if not retry_on(answer):
                return attempts
            pause = _retry_after(answer, 0.2)
        if time.monotonic() > deadline:
            return attempts
        time.sleep(pause)


def unknown_programme(answer: httpx.Response) -> bool:
    """The referrals service has not heard of the programme yet: its event is on its way."""
    return answer.status_code == 422 and "unknown-programme" in answer.text


def in_progress(answer: httpx.Response) -> bool:
    """Another attempt with the same Idempotency-Key is still being served."""
    return answer.status_code == 409 and "idempotency-key-in-progress" in answer.text


def retryable(answer: httpx.Response) -> bool:
    """What an honest client tries again: a 503 after its Retry-After, a key still in progress,
    a programme that is still on its way."""
    return answer.status_code == 503 or in_progress(answer) or unknown_programme(answer)
