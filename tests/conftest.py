"""Shared fixtures: a scripted loopback LLM server and a throwaway workspace."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from hypothesis import settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# CI runs property tests with a fixed seed so that a landing never depends on a lucky draw; locally they
# explore new examples on every run (and hypothesis keeps failures in .hypothesis/ to replay them).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

from tests.support.llm_server import ScriptedLLMServer  # noqa: E402


@pytest.fixture(autouse=True)
def _test_key(monkeypatch) -> None:
    """Roles pointing at the loopback server name SRO_TEST_KEY; a named key variable must be set (a missing
    one is an authentication error before any request), so every test has one unless it sets its own."""
    if "SRO_TEST_KEY" not in os.environ:
        monkeypatch.setenv("SRO_TEST_KEY", "sk-test-default-key")


@pytest.fixture
def llm_server(monkeypatch) -> Iterator[ScriptedLLMServer]:
    """A fresh loopback OpenAI-compatible server; script it with .add()/.default(). Its roles name the key
    variable SRO_TEST_KEY, set here (the server takes any key; a role whose key variable is unset is refused
    before its first call)."""
    monkeypatch.setenv("SRO_TEST_KEY", os.environ.get("SRO_TEST_KEY") or "sk-loopback-test")
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture
def workspace(tmp_path):
    """A workspace in tmp_path with no models configured (offline), closed after the test."""
    from sro.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    try:
        yield ws
    finally:
        ws.close()
