"""Backoff arithmetic and Retry-After parsing (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from sro.config import RoleConfig
from sro.llm.retry import backoff_s, cause, retry_after_s


class _Err(Exception):
    def __init__(self, headers=None, status=None):
        super().__init__("litellm.RateLimitError: RateLimitError: slow down")
        self.litellm_response_headers = headers
        self.status_code = status


def test_backoff_grows_with_jitter_and_is_capped():
    cfg = RoleConfig(retry_base_s=0.5, retry_max_s=4.0)
    for attempt, cap in ((1, 0.5), (2, 1.0), (3, 2.0), (6, 4.0)):
        waits = [backoff_s(attempt, cfg, _Err()) for _ in range(50)]
        assert all(cap / 2 <= w <= cap for w in waits)
        assert len(set(waits)) > 1  # jittered


def test_retry_after_forms():
    assert retry_after_s(_Err({"retry-after": "3"})) == 3.0
    assert retry_after_s(_Err({"retry-after-ms": "250"})) == 0.25
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_s(_Err({"retry-after": when})) <= 31
    assert retry_after_s(_Err({"retry-after": "soon"})) is None
    assert retry_after_s(_Err(None)) is None
    cfg = RoleConfig(retry_base_s=0.01, retry_max_s=0.02)
    assert backoff_s(1, cfg, _Err({"retry-after": "7"})) == 7.0
    assert backoff_s(1, cfg, _Err({"retry-after": "100000"})) == 300.0  # capped


def test_cause_strips_litellm_prefixes():
    assert cause(_Err(status=429)) == "_Err (HTTP 429): slow down"
