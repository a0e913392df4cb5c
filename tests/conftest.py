"""Shared fixtures: a scripted loopback LLM server and a throwaway workspace."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests.support.llm_server import ScriptedLLMServer  # noqa: E402


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLMServer]:
    """A fresh loopback OpenAI-compatible server; script it with .add()/.default()."""
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
