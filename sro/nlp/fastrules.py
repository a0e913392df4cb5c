"""A faster, exact stand-in for the English model's `attribute_ruler` (tag -> POS/morph map + exceptions).

The model's AttributeRuler runs a spaCy Matcher with 179 patterns over every token; that cost ~0.4 ms per
sentence, about a fifth of the syntactic parse. Its patterns are all one- or two-token patterns over
LOWER/TAG/DEP/IS_SPACE, so the matches of a token depend only on (lower, tag, dep, is_space) of itself
(and of its right neighbour for the two-token ones): we evaluate each distinct feature tuple once, cache
the matching rule ids, and assign the rule attributes with spaCy's own `set_token_attrs` in rule order
(later rules win, as in AttributeRuler.match/set_annotations). `compile_ruler` returns None for a ruler
with patterns outside that subset (operators, other attributes), and the caller keeps the original.
`tests/test_extract_fastrules.py` checks the result against the real component token by token.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, ORTH, POS, TAG
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

if TYPE_CHECKING:
    from spacy.pipeline import AttributeRuler, Lemmatizer

Features = tuple[str, str, str, bool]  # lower, tag, dep, is_space
_SLOT = {"LOWER": 0, "TAG": 1, "DEP": 2, "IS_SPACE": 3}


def _predicate(spec: dict[str, Any]) -> Callable[[Features], bool] | None:
    checks: list[Callable[[Features], bool]] = []
    for key, want in spec.items():
        slot = _SLOT.get(key)
        if slot is None:
            return None
        if isinstance(want, dict):
            if set(want) == {"IN"}:
                allowed = frozenset(want["IN"])
                checks.append(lambda f, s=slot, a=allowed: f[s] in a)
            elif set(want) == {"NOT_IN"}:
                banned = frozenset(want["NOT_IN"])
                checks.append(lambda f, s=slot, b=banned: f[s] not in b)
            elif set(want) == {"REGEX"}:
                rx = re.compile(want["REGEX"])
                checks.append(lambda f, s=slot, r=rx: bool(r.search(f[s])))
            else:
                return None
        elif isinstance(want, (str, bool)):
            checks.append(lambda f, s=slot, w=want: f[s] == w)
        else:
            return None
    return lambda f: all(check(f) for check in checks)


class FastAttributeRuler:
    def __init__(self, ruler: AttributeRuler, single: list, double: list, by_tag: dict, by_lower_tag: dict):
        self.attrs = ruler.attrs
        self.strings = ruler.vocab.strings
        self.by_tag = by_tag  # tag -> rule ids of the plain {"TAG": t} patterns (the tag map)
        self.by_lower_tag = by_lower_tag  # (lower, tag) -> rule ids of {"LOWER": w, "TAG": t} patterns
        # the other one-token patterns, indexed by one (slot, value) they require; `None` if there is none
        self.single: dict[tuple[int, Any] | None, list[tuple[int, Callable]]] = {}
        for rid, spec, pred in single:
            self.single.setdefault(_index_key(spec), []).append((rid, pred))
        self.double = double  # (rule id, first predicate, second predicate, index 0/1)
        self._singles: dict[Features, tuple[int, ...]] = {}
        self._firsts: dict[Features, tuple[tuple[int, Callable, int], ...]] = {}
        self._merged: dict[tuple[int, ...], dict] = {}
        self._text: dict[int, str] = {}

    def _str(self, key: int) -> str:
        text = self._text.get(key)
        if text is None:
            text = self._text[key] = self.strings[key] if key else ""
        return text

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        rows = doc.to_array([LOWER, TAG, DEP, IS_SPACE]).tolist()
        feats = [(self._str(lo), self._str(tag), self._str(dep), bool(space)) for lo, tag, dep, space in rows]
        hits: list[list[int]] = []
        for f in feats:
            ids = self._singles.get(f)
            if ids is None:
                ids = self._singles[f] = tuple(sorted(
                    self.by_tag.get(f[1], []) + self.by_lower_tag.get((f[0], f[1]), [])
                    + [rid for key in ((0, f[0]), (1, f[1]), (2, f[2]), (3, f[3]), None)
                       for rid, pred in self.single.get(key, ()) if pred(f)]))
                self._firsts[f] = tuple((rid, second, index) for rid, first, second, index in self.double
                                        if first(f))
            hits.append(list(ids))
        for i in range(len(feats) - 1):
            for rid, second, index in self._firsts[feats[i]]:
                if second(feats[i + 1]):
                    hits[i + index].append(rid)
        for i, ids in enumerate(hits):
            if ids:
                key = tuple(sorted(ids))
                merged = self._merged.get(key)
                if merged is None:
                    merged = {}
                    for rid in key:
                        merged.update(self.attrs[rid])
                    self._merged[key] = merged
                set_token_attrs(doc[i], merged)
        return doc


class FastLemmatizer:
    """The model's rule lemmatizer, exact, with Python work per distinct (text, POS, morph) instead of per
    token: its lemma is a function of those three (spaCy caches it by the same key), so a doc's lemmas are
    read from one array, looked up in a dict of lemma ids and written back with one `from_array`. Tokens
    that already have a lemma (set by the attribute ruler) keep it, as in Lemmatizer.__call__."""

    def __init__(self, lemmatizer: Lemmatizer):
        self.lemmatizer = lemmatizer
        self.strings = lemmatizer.vocab.strings
        self.overwrite = lemmatizer.overwrite
        self._ids: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3].copy()
        ids = self._ids
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma and not self.overwrite:
                continue
            key = (orth, pos, morph)
            new = ids.get(key)
            if new is None:
                new = ids[key] = self.strings.add(self.lemmatizer.lemmatize(doc[i])[0])
            lemmas[i] = new
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc


def fast_lemmatizer(lemmatizer: Lemmatizer) -> FastLemmatizer | None:
    """The fast equivalent of a rule-mode spaCy Lemmatizer, or None for another mode (lookup, custom)."""
    if getattr(lemmatizer, "mode", None) != "rule" or not hasattr(lemmatizer, "rule_lemmatize"):
        return None
    return FastLemmatizer(lemmatizer)


def _index_key(spec: dict[str, Any]) -> tuple[int, Any] | None:
    for key, want in spec.items():
        if isinstance(want, (str, bool)):
            return _SLOT[key], want
    return None


def compile_ruler(ruler: AttributeRuler) -> FastAttributeRuler | None:
    """A fast equivalent of `ruler` (spaCy AttributeRuler), or None if its patterns are not supported."""
    single, double, by_tag, by_lower_tag = [], [], {}, {}
    for rid, rule in enumerate(ruler.patterns):
        index = rule.get("index", 0)
        for pattern in rule["patterns"]:
            spec = pattern[0] if len(pattern) == 1 else {}
            if spec and all(isinstance(spec.get(k), str) for k in spec) and set(spec) in ({"TAG"}, {"TAG", "LOWER"}):
                if "LOWER" in spec:
                    by_lower_tag.setdefault((spec["LOWER"], spec["TAG"]), []).append(rid)
                else:
                    by_tag.setdefault(spec["TAG"], []).append(rid)
                continue
            preds = [_predicate(spec) for spec in pattern]
            if any(p is None for p in preds):
                return None
            if len(preds) == 1 and index in (0, -1):
                single.append((rid, pattern[0], preds[0]))
            elif len(preds) == 2 and index in (0, 1, -1, -2):
                double.append((rid, preds[0], preds[1], index % 2))
            else:
                return None
    return FastAttributeRuler(ruler, single, double, by_tag, by_lower_tag)
