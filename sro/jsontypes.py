"""JSON values as they cross a process or wire boundary (the RLM child protocol, cache rows, API bodies).

Recursive aliases in string form: type checkers follow them, and nothing evaluates them at run time."""

from __future__ import annotations

from typing import TypeAlias

JSON: TypeAlias = "None | bool | int | float | str | list[JSON] | dict[str, JSON]"
JSONObject: TypeAlias = "dict[str, JSON]"
