"""Model access: one litellm client with roles, limits, retries, cache, cost ledger, budgets and
structured output. Import `sro.llm.client.LLMClient` (litellm itself is imported on first call)."""

from sro.llm.types import Completion, Spend, StructuredOutputError

__all__ = ["Completion", "Spend", "StructuredOutputError"]
