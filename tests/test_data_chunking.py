"""Property tests: chunks reproduce the text exactly and cover every character of every document."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sro.config import Settings
from sro.data.chunking import chunk_spans
from sro.data.db import connect
from sro.data.models import Document
from sro.data.store import DatasetStore

ALPHABET = st.sampled_from(list("ab cd.!?\n\t") + ["é", "🙂", "\u00a0", "x" * 3])
TEXT = st.lists(ALPHABET, max_size=400).map("".join)


def _check(text: str, spans: list[tuple[int, int]], size: int) -> None:
    if not text:
        assert spans == []
        return
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s1 < s2 <= e1 < e2  # progress, no gap
    assert all(0 < e - s <= size for s, e in spans)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, size=st.integers(1, 120), overlap=st.integers(0, 60))
def test_spans_cover_text(text, size, overlap):
    _check(text, chunk_spans(text, size, overlap), size)


def test_prefers_paragraph_then_sentence_boundaries():
    text = "An intro sentence that is fairly long.\n\nSecond paragraph. More words follow here."
    spans = chunk_spans(text, size=60, overlap=0)
    assert text[: spans[0][1]].endswith("\n\n")  # the paragraph wins over the later sentence end
    sentence = "One sentence. Two sentence. Three sentence. Four sentence. Five."
    end = chunk_spans(sentence, size=40, overlap=0)[0][1]
    assert sentence[:end].endswith(". ")


_SEQ = itertools.count()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("db") / "sro.duckdb")
    yield con
    con.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXT.filter(bool), min_size=1, max_size=8), size=st.integers(5, 80))
def test_stored_chunks_reproduce_documents(con, texts, size):
    """Through the real write path (DuckDB cuts chunk text by offsets): exact text, full coverage."""
    store = DatasetStore(con, Settings(chunk_size=size, chunk_overlap=size // 4))
    name = f"p{next(_SEQ)}"
    docs = [Document(id=f"{name}:{i}", dataset=name, source_uri="x", text=t) for i, t in enumerate(texts)]
    store.add_documents(name, docs)
    by_doc: dict[str, list] = {}
    for batch in store.iter_chunks(name):
        for chunk in batch:
            index = int(chunk.doc_id.split(":")[1])
            assert chunk.text == texts[index][chunk.start : chunk.end]
            by_doc.setdefault(chunk.doc_id, []).append((chunk.ordinal, chunk.start, chunk.end))
    assert len(by_doc) == len(texts)  # every document has chunks
    for doc_id, spans in by_doc.items():
        ordered = [(s, e) for _, s, e in sorted(spans)]
        _check(texts[int(doc_id.split(":")[1])], ordered, size)
