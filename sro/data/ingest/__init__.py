"""Ingest paths: Reddit dumps, live Reddit, tables and document folders. Each file is one transaction."""
