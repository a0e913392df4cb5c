"""The RLM engine: a sandboxed REPL over datasets, sub-model primitives, recursion and trajectories.

Kept import-free on purpose: the sandbox child imports `sro.rlm.child` and must not pull in pydantic,
duckdb or litellm (start time). Import `sro.rlm.session.RLMSession` directly.
"""
