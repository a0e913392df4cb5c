"""Mapping surface predicates onto the pipeline ontology.

A surface predicate ("was designed by", "design by", "charges", "paybackPeriod") maps onto an ontology
predicate when its normalised lemma phrase equals the predicate's name, label or one of its synonyms
(all normalised the same way). Unmapped predicates are kept, never dropped, under the relation namespace
https://sro.dev/rel/ as camelCase, and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from sro.nlp.nlp import load_nlp

if TYPE_CHECKING:
    from pipelines import Pipeline

REL_NS = "https://sro.dev/rel/"
STEM = 5  # letters compared by the stem fallback
_AUX = {"be", "is", "are", "was", "were", "been", "being", "has", "have", "had", "do", "does", "did", "will",
        "shall", "would", "should", "can", "could", "may", "might", "must"}


class MappedPredicate(NamedTuple):
    iri: str
    name: str  # ontology local name, or the camelCase relation name
    mapped: bool
    # the surface is the active verb of a passive-named predicate ("Tesla installed the system" for
    # `installedBy`): the subject is the agent, so the triple's subject and object must be swapped
    active: bool = False


def passive_named(name: str) -> bool:
    """`installedBy`, `foundedBy`, "made by": the subject is the thing acted on, the object the agent."""
    return name.endswith("By") or name.lower().endswith(" by")


def split_camel(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")


@lru_cache(maxsize=50_000)
def lemma_phrase(text: str) -> str:
    """"was Designed by" -> "design by"; auxiliaries dropped unless the phrase is only an auxiliary."""
    words = split_camel(text).lower().split()
    if not words:
        return ""
    if all(re.fullmatch(r"[a-z]+", w) for w in words) and len(words) <= 6:
        lemmas = _lemmas(" ".join(words))
    else:
        lemmas = words
    kept = [w for w in lemmas if w not in _AUX] or lemmas
    return " ".join(kept)


@lru_cache(maxsize=50_000)
def _lemmas(phrase: str) -> list[str]:
    nlp = load_nlp()
    with nlp.select_pipes(enable=["tok2vec", "tagger", "attribute_ruler", "lemmatizer"]):
        return [t.lemma_.lower() for t in nlp(phrase)]


def camel(phrase: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", phrase)
    if not words:
        return "relatedTo"
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


@lru_cache(maxsize=16)
def _ontology_iris(path: str | None) -> dict[str, str]:
    """Local name -> IRI of every property/class declared in ontology.ttl (the RDF source of truth)."""
    if not path:
        return {}
    import rdflib

    graph = rdflib.Graph().parse(path, format="turtle")
    out: dict[str, str] = {}
    for subject in set(graph.subjects()):
        if isinstance(subject, rdflib.URIRef):
            local = re.split(r"[#/]", str(subject))[-1]
            out.setdefault(local, str(subject))
    return out


class PredicateMapper:
    def __init__(self, pipeline: "Pipeline"):
        self.pipeline = pipeline
        # the ontology's IRIs by local name, read once (class_iri runs per accepted fact; ontology_path stats)
        iris = self._ontology = _ontology_iris(str(pipeline.ontology_path) if pipeline.ontology_path else None)
        fallback = pipeline.base_iri or f"https://sro.dev/ontology/{pipeline.name}#"
        self._iri = {p.name: iris.get(p.name, fallback + p.name) for p in pipeline.predicates}
        self._index: dict[str, str] = {}
        for pred in pipeline.predicates:
            for form in [pred.name, split_camel(pred.name), pred.label or "", *pred.synonyms]:
                if form:
                    self._index.setdefault(form.lower().strip(), pred.name)
                    self._index.setdefault(lemma_phrase(form), pred.name)
        self._stems = self._stem_index(pipeline)
        self.unmapped: Counter[str] = Counter()

    @staticmethod
    def _stem_index(pipeline: "Pipeline") -> dict[str, str]:
        """5-letter stems of the words in predicate names/labels -> predicate, when unambiguous:
        "categorize as" finds `category`, "affiliate to" `affiliation`, "build by" `builder`."""
        owners: dict[str, set[str]] = {}
        for pred in pipeline.predicates:
            for word in split_camel(f"{pred.name} {pred.label or ''}").lower().split():
                if len(word) >= STEM and word not in _AUX:
                    owners.setdefault(word[:STEM], set()).add(pred.name)
        return {stem: next(iter(names)) for stem, names in owners.items() if len(names) == 1}

    def map(self, surface: str, lemmatized: bool = False) -> MappedPredicate:
        """`lemmatized`: the surface is already a lemma phrase (offline extractor), skip spaCy."""
        key = surface.lower().strip()
        name = self._index.get(key) or (None if lemmatized else self._index.get(lemma_phrase(surface)))
        active = False
        if not name:
            phrase = key if lemmatized else lemma_phrase(surface)
            words = [w for w in phrase.split() if len(w) >= STEM and w not in _AUX]
            found = {self._stems[w[:STEM]] for w in words if w[:STEM] in self._stems}
            name = found.pop() if len(found) == 1 else None
            if name and passive_named(name) and phrase.split()[-1:] != ["by"]:
                # the stem of a passive-named predicate in another voice: only a bare active verb
                # ("install", "found") reads as the predicate with subject and object swapped;
                # "install in", "found after" name some other relation
                active = len(phrase.split()) == 1
                name = name if active else None
        if name:
            return MappedPredicate(self._iri[name], name, True, active)
        rel = camel(key if lemmatized else (lemma_phrase(surface) or surface))
        self.unmapped[rel] += 1
        return MappedPredicate(REL_NS + rel, rel, False)

    def class_iri(self, local: str) -> str:
        iris = self._ontology
        safe = re.sub(r"[^A-Za-z0-9_]", "", local) or "Thing"  # never an invalid IRI from a model's class name
        return iris.get(local, (self.pipeline.base_iri or f"https://sro.dev/ontology/{self.pipeline.name}#") + safe)
