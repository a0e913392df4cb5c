"""MkDocs hooks (mkdocs.yml `hooks:`): pages generated at build time from the code and the results.

- `docs/reference/cli.md`: the `sro` command tree, walked from the typer app (`cli_ref.py`);
- `docs/numbers.md`: the measured numbers, from `experiments/results/*.json` (`numbers.py`);
- `<!-- sro:fields module:Class [ENV_PREFIX] -->` in any page: a table of that pydantic model's fields;
- `<!-- sro:docstring module -->`: a module's docstring, its `::` block as YAML (`fields.py`).

Generated pages are gitignored and rewritten only when their text changes (so `mkdocs serve` does not loop).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import cli_ref  # noqa: E402
import fields  # noqa: E402
import numbers_page  # noqa: E402

MARKER = re.compile(r"<!-- sro:fields ([\w.]+):(\w+)(?: (\S+))? -->")
DOC_MARKER = re.compile(r"<!-- sro:docstring ([\w.]+) -->")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def on_pre_build(config) -> None:
    docs = Path(config["docs_dir"])
    _write_if_changed(docs / "reference" / "cli.md", cli_ref.page())
    _write_if_changed(docs / "numbers.md", numbers_page.page(ROOT / "experiments" / "results"))


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = DOC_MARKER.sub(lambda m: fields.docstring(m.group(1)), markdown)
    return MARKER.sub(lambda m: fields.table(m.group(1), m.group(2), env=m.group(3)), markdown)
