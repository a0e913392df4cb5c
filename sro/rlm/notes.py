"""`notes`: a persistent key/value research memory shared by the RLM sessions of one campaign."""

from __future__ import annotations

import json
from typing import Any, Callable

import duckdb

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    campaign VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value JSON,
    updated_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (campaign, key)
)
"""
MAX_KEY = 200
MAX_VALUE_CHARS = 200_000


class NotesStore:
    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], campaign: str):
        self.cursor, self.campaign = cursor, campaign
        self.cursor().execute(SCHEMA)

    def get(self, key: str) -> tuple[bool, Any]:
        row = self.cursor().execute(
            "SELECT value FROM notes WHERE campaign = ? AND key = ?", [self.campaign, self._key(key)]
        ).fetchone()
        return (False, None) if row is None else (True, json.loads(row[0]))

    def set(self, key: str, value: object) -> None:
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > MAX_VALUE_CHARS:
            raise ValueError(f"note too large ({len(text):,} chars, limit {MAX_VALUE_CHARS:,})")
        self.cursor().execute(
            "INSERT OR REPLACE INTO notes (campaign, key, value, updated_at) VALUES (?, ?, ?, current_timestamp)",
            [self.campaign, self._key(key), text],
        )

    def delete(self, key: str) -> None:
        self.cursor().execute("DELETE FROM notes WHERE campaign = ? AND key = ?", [self.campaign, self._key(key)])

    def keys(self) -> list[str]:
        rows = self.cursor().execute(
            "SELECT key FROM notes WHERE campaign = ? ORDER BY key", [self.campaign]
        ).fetchall()
        return [r[0] for r in rows]

    @staticmethod
    def _key(key: object) -> str:
        if not isinstance(key, str) or not key or len(key) > MAX_KEY:
            raise ValueError(f"note keys are non-empty strings up to {MAX_KEY} characters")
        return key
