"""Tables of a pydantic model's fields, for `<!-- sro:fields module:Class [ENV_PREFIX] -->` markers.

Each row: the field name, its type, its default, its constraints and its documentation, which is the field's
`description` or else the comments written next to the field in the source (so the code stays the one place
where a setting is documented).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import textwrap
import tokenize
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def escape_html(text: str) -> str:
    """Escape `<` and `&` outside code spans, so `runs/<campaign>/` is shown instead of read as a tag."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("&", "&amp;").replace("<", "&lt;")
    return "`".join(parts)


def _source_comments(cls: type) -> dict[str, str]:
    """Comments above a field and at the end of its line(s), by field name."""
    src = textwrap.dedent(inspect.getsource(cls))
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(io.StringIO(src).readline) if tok.type == tokenize.COMMENT}
    lines = src.splitlines()
    out: dict[str, str] = {}
    for node in ast.parse(src).body[0].body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        parts, n = [], node.lineno - 1
        while n >= 1 and lines[n - 1].strip().startswith("#"):
            parts.insert(0, comments.get(n, "")); n -= 1
        parts += [comments[i] for i in range(node.lineno, (node.end_lineno or node.lineno) + 1) if i in comments]
        out[node.target.id] = " ".join(p for p in parts if p)
    return out


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    text = str(annotation).replace("NoneType", "None")
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+(\w+)", r"\1", text)


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "(section below)"
        return f"`{value!r}`"
    if field.is_required():
        return "**required**"
    if isinstance(field.default, Path):
        return f"`{field.default}`"
    return f"`{field.default!r}`" if not isinstance(field.default, str) else f'`"{field.default}"`'


def _constraints(field: Any) -> str:
    marks = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "min length"}
    found = []
    for meta in field.metadata:
        for key, sign in marks.items():
            if getattr(meta, key, None) is not None:
                found.append(f"{sign} {getattr(meta, key)}")
    return ", ".join(found)


def _cell(text: str) -> str:
    return escape_html(" ".join(text.split()).replace("|", "\\|"))


def table(module: str, name: str, env: str | None = None) -> str:
    cls = getattr(importlib.import_module(module), name)
    notes = _source_comments(cls)
    head = "| key | type | default | constraints | meaning |" + (" environment |" if env else "")
    rows = [head, "|---|---|---|---|---|" + ("---|" if env else "")]
    for key, field in cls.model_fields.items():
        text = field.description or notes.get(key, "")
        row = (f"| `{key}` | {_cell(_type_name(field.annotation))} | {_cell(_default(field))} | "
               f"{_constraints(field)} | {_cell(text)} |")
        if env:
            nested = isinstance(field.default_factory and field.default_factory(), BaseModel)
            row += " (section below) |" if nested else f" `{env}{key.upper()}` |"
        rows.append(row)
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    intro = doc.split("\n\n")[0]
    return (f"*{_cell(intro)}*\n\n" if intro else "") + "\n".join(rows) + "\n"


def docstring(module: str) -> str:
    """A module docstring as Markdown: prose as is, the indented block after `::` as a YAML code block."""
    doc = inspect.cleandoc(importlib.import_module(module).__doc__ or "")
    if "::\n" not in doc:
        return doc + "\n"
    head, rest = doc.split("::\n", 1)
    lines = rest.splitlines()
    n = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith(" ")), len(lines))
    code = textwrap.dedent("\n".join(lines[:n])).strip("\n")
    tail = "\n".join(lines[n:]).strip()
    return f"{head.rstrip()}:\n\n```yaml\n{code}\n```\n\n{tail}\n"
