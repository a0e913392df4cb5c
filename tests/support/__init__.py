"""Test support shared by every stage (the loopback LLM server)."""
