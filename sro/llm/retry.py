"""Which provider errors are worth retrying, how long to wait, and the final error users see.

litellm maps every provider's failures onto OpenAI-style exception classes; we classify by those classes
and by HTTP status so the rules hold for all providers. litellm's own retries are switched off so that
attempt counts, waits and the ledger are ours.
"""

from __future__ import annotations

import random
import re
import socket
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from sro.config import RoleConfig

_PREFIX = re.compile(r"^(?:(?:litellm\.)?[A-Za-z]+Error:\s*)+")
MAX_RETRY_AFTER_S = 300.0  # a provider asking for longer than this is treated as a 5-minute wait
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
NO_RETRY_STATUS = {400, 401, 402, 403, 404, 413, 422}
RETRY_NAMES = ("RateLimitError", "InternalServerError", "ServiceUnavailableError", "BadGatewayError",
               "APIConnectionError", "Timeout", "APITimeoutError", "TimeoutError", "ClientConnectionError",
               "ServerDisconnectedError", "ClientPayloadError")
NO_RETRY_NAMES = ("AuthenticationError", "BadRequestError", "ContextWindowExceededError", "NotFoundError",
                  "PermissionDeniedError", "ContentPolicyViolationError", "UnprocessableEntityError",
                  "UnsupportedParamsError", "PaymentRequiredError", "EmptyResponse")


AUTH_STATUS = {401, 403}
UNREACHABLE = (ConnectionRefusedError, socket.gaierror)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def fatal_kind(exc: BaseException) -> str | None:
    """"auth" (key rejected), "connection" (nothing listens at the address, unknown host) or None. These
    are never retried: waiting does not fix them, and litellm reports a refused connection as HTTP 500."""
    if "AuthenticationError" in _names(exc) or getattr(exc, "status_code", None) in AUTH_STATUS:
        return "auth"
    if any(isinstance(e, UNREACHABLE) for e in _chain(exc)):
        return "connection"
    return None


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def is_retryable(exc: BaseException) -> bool:
    if fatal_kind(exc):
        return False
    names = _names(exc)
    if names & set(NO_RETRY_NAMES):
        return False
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status in NO_RETRY_STATUS:
            return False
        if status in RETRY_STATUS or status >= 500:
            return True
    return bool(names & set(RETRY_NAMES))


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header on the error, if the provider sent one."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
    except (AttributeError, TypeError, ValueError):
        return None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:  # HTTP-date form
            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


def backoff_s(attempt: int, cfg: RoleConfig, exc: BaseException) -> float:
    """Full-jitter exponential backoff for retry number `attempt` (1-based); Retry-After wins when larger."""
    cap = min(cfg.retry_max_s, cfg.retry_base_s * (2 ** (attempt - 1)))
    wait = random.uniform(cap / 2, cap)
    hinted = retry_after_s(exc)
    if hinted is not None:
        wait = max(wait, min(hinted, MAX_RETRY_AFTER_S))
    return wait


def cause(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    # litellm prefixes messages with its class names ("litellm.RateLimitError: RateLimitError: ...")
    text = _PREFIX.sub("", str(exc).strip().replace("\n", " "))
    if len(text) > 400:
        text = text[:400] + "…"
    kind = type(exc).__name__
    return f"{kind}{f' (HTTP {status})' if status else ''}: {text}"
