"""Document files (.txt, .md, .html, .pdf) from files, folders and globs; one file becomes one document.

Ids are stable: "<dataset>:<path relative to the argument's folder>", so re-ingesting adds nothing.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from sro.data.ingest.lines import decode_text
from sro.data.ingest.report import FileOutcome
from sro.data.ingest.runner import Loader
from sro.data.models import TITLE_CHARS, Document
from sro.data.records import document_json
from sro.errors import IngestError

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}


def expand(paths: list[str]) -> Iterator[tuple[Path, str]]:
    """(file, id suffix) for every supported file named by paths, folders (recursive) or globs."""
    for arg in paths:
        matches = sorted(glob.glob(arg, recursive=True)) if glob.has_magic(arg) else [arg]
        if not matches:
            raise IngestError("no files match", arg)
        for match in matches:
            path = Path(match)
            if path.is_dir():
                for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
                    yield child, child.relative_to(path).as_posix()
            elif path.is_file() or not glob.has_magic(arg):
                yield path, path.name


def _html_text(text: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    return soup.get_text("\n").strip(), title


def _pdf_text(path: Path) -> tuple[str, int, list[str]]:
    """(text, pages, pypdf's warnings): pypdf's log and warnings go into the report, not the terminal."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with _captured("pypdf") as notes:
        try:
            reader = PdfReader(str(path))
            pages = [page.extract_text() or "" for page in reader.pages]
        except (PdfReadError, ValueError, KeyError, OSError, TypeError, AttributeError) as exc:
            raise IngestError(f"unreadable PDF: {' '.join(str(exc).split()) or type(exc).__name__}",
                              str(path)) from None
    return "\n\n".join(p.strip() for p in pages), len(pages), notes


@contextmanager
def _captured(logger_name: str) -> Iterator[list[str]]:
    """Collect what a library logs (and warns) instead of letting it reach the terminal."""
    notes: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: notes.append(record.getMessage())  # type: ignore[method-assign]
    log = logging.getLogger(logger_name)
    saved = log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
        notes.extend(str(w.message) for w in caught)
    finally:
        log.removeHandler(handler)
        log.propagate = saved


def read_document(path: Path, rel: str, dataset: str) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported document type {suffix or '(none)'}; use {', '.join(sorted(SUFFIXES))}",
                          str(path))
    data = path.read_bytes()
    meta: dict = {"path": rel, "format": suffix.lstrip("."), "bytes": len(data),
                  "sha1": hashlib.sha1(data).hexdigest()}
    title = None
    if suffix == ".pdf":
        text, meta["pages"], notes = _pdf_text(path)
        if notes:
            meta["pdf_warnings"] = sorted(set(notes))[:10]
    else:
        text, meta["encoding"] = decode_text(path, data)
        if suffix in (".html", ".htm"):
            text, title = _html_text(text)
    if title is None:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        title = first[:TITLE_CHARS] or path.name
    return Document(id=f"{dataset}:{rel}", dataset=dataset, source_uri=path.resolve().as_uri(), title=title,
                    text=text, kind="doc", metadata=meta)


def docs_loader(dataset: str, rel_names: dict[Path, str], store) -> Loader:
    """Loader staging one document file; `rel_names` maps each file to its id suffix."""

    def load(con: duckdb.DuckDBPyConnection, path: Path, outcome: FileOutcome) -> None:
        doc = read_document(path, rel_names.get(path, path.name), dataset)
        outcome.records += 1
        if doc.metadata.get("encoding") not in (None, "utf-8", "utf-8-sig", "ascii"):
            outcome.warn(f"not UTF-8: decoded as {doc.metadata['encoding']} (detected)")
        for note in doc.metadata.get("pdf_warnings", [])[:3]:
            outcome.warn(f"pypdf: {note}")
        if not doc.text.strip():
            outcome.skipped["empty_text"] += 1
        fd, tmp = tempfile.mkstemp(prefix="sro-doc-", suffix=".ndjson")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(document_json(doc, dataset) + "\n")
            store.stage_ndjson(con, tmp)
        finally:
            os.unlink(tmp)
        if not doc.text.strip():
            con.execute("UPDATE _stage SET skip_reason = 'empty_text'")

    return load


