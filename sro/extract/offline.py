"""Offline extractor: spaCy dependency SVO + typed literals + the pipeline's declared patterns.

No model is involved and nothing here imitates one. Speed comes from (1) splitting chunks into sentences
with a regex and parsing only sentences with enough content, (2) batching them through `nlp.pipe`,
(3) running NER only on sentences that can yield an acceptable candidate (`svo.needs_entities`: the
others only have subjects such as "I" or "this" that the specificity gate rejects; NER was ~40% of the
parse time), and (4) caching the parses so the judge's axioms reuse them.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from spacy.tokens import Span

from sro.extract import coref, literals
from sro.extract.base import Extraction
from sro.nlp import sentences
from sro.nlp.models import Candidate, Entity, Evidence, Term, Value
from sro.nlp.nlp import ParseCache, add_entities, has_entities, paused_gc, shared_cache
from sro.extract.patterns import PatternEngine
from sro.extract.svo import TIME_WORDS, needs_entities, triples
from sro.judge.axioms.specificity import GENERIC

if TYPE_CHECKING:
    from pipelines import Pipeline
    from sro.data.models import Chunk, Document

EXTRACTOR_ID = "nlp:spacy"
_NER_CLASS = {"PERSON": "Person", "ORG": "Organization", "GPE": "Place", "LOC": "Place", "FAC": "Place",
              "NORP": "Group", "PRODUCT": "Product", "EVENT": "Event", "WORK_OF_ART": "CreativeWork",
              "LAW": "Law", "LANGUAGE": "Language"}


class OfflineExtractor:
    def __init__(self, pipeline: "Pipeline", cache: ParseCache | None = None):
        self.pipeline = pipeline
        self.cache = cache or shared_cache()
        self.patterns = PatternEngine(pipeline)
        # Lazy NER relies on the specificity gate (default 0.5) rejecting pronoun subjects (score 0).
        spec = pipeline.axioms.get("specificity")
        gate = spec.gate if spec is not None and "gate" in spec.model_fields_set else 0.5
        self.lazy_ner = gate is not None and gate > 0.0
        # ... and NER-less generic subjects on it rejecting "the installer" (score specificity.GENERIC)
        generic_rejected = gate is not None and gate > GENERIC
        self.needs_entities = partial(needs_entities, generic_rejected=generic_rejected)

    async def run(self, chunks: list["Chunk"], docs: dict[str, "Document"]) -> Extraction:
        return Extraction(await asyncio.to_thread(self.run_sync, chunks, docs))

    def run_sync(self, chunks: list["Chunk"], docs: dict[str, "Document"]) -> list[Candidate]:
        per_chunk = [(chunk, list(sentences.split(chunk.text))) for chunk in chunks]
        svo = getattr(self.pipeline, "offline_svo", True)  # a pipeline may run its patterns only
        if svo:
            wanted = [s.text for chunk, sents in per_chunk for s in sents
                      if sentences.worth_parsing(s.text, plain=_plain(docs.get(chunk.doc_id)))]
            # one batched nlp.pipe over all misses; NER only where a candidate can pass the judge
            self.cache.parse_many(wanted, needs_entities=self.needs_entities if self.lazy_ner else None)
        out: list[Candidate] = []
        joins: dict[str, list[sentences.Sentence]] = {}
        with paused_gc():
            for chunk, sents in per_chunk:
                out.extend(self.patterns.run(chunk, sents, docs.get(chunk.doc_id)))
                if svo:
                    out.extend(self._svo(chunk, sents, joins, docs))
            self._cache_joined(joins)
        return out

    def _svo(self, chunk: "Chunk", sents: list[sentences.Sentence], joins: dict[str, list[sentences.Sentence]],
             docs: dict[str, "Document"]) -> list[Candidate]:
        out: list[Candidate] = []
        previous: coref.Antecedent | None = None
        chain: list[sentences.Sentence] = []  # sentences since the antecedent was named
        plain = _plain(docs.get(chunk.doc_id))
        for sent in sents:
            if not sentences.worth_parsing(sent.text, plain=plain):
                previous, chain = None, []  # an unparsed sentence in between: the pronoun may refer to anything
                continue
            chain.append(sent)
            cands = coref.carry(self._from_sentence(chunk, sent), previous, chunk.text, chunk.start, sent.end)
            quote = next((c.evidence.quote for c in cands if c.extractor.endswith("+coref")), None)
            if quote is not None and len(chain) > 1:
                joins.setdefault(quote, list(chain))
            named = coref.named_subject(cands)
            if named is None:
                previous, chain = None, []
            elif previous is None or named is not previous.entity:
                previous, chain = coref.Antecedent(sent.start, named), [sent]
            out.extend(cands)
        return out

    def _cache_joined(self, joins: dict[str, list[sentences.Sentence]]) -> None:
        """A carried quote spans several parsed sentences: join their cached parses (no model run) so the
        judge finds it in the cache. Only when the gaps are single spaces, so offsets stay exact. The
        sentences get their entities first, all in one NER batch."""
        joins = {quote: chain for quote, chain in joins.items() if self.cache.get(quote) is None}
        if not joins:
            return
        from spacy.tokens import Doc

        parts = {s.text: self.cache.parse_syntax(s.text) for chain in joins.values() for s in chain}
        add_entities(list(parts.values()))
        for quote, chain in joins.items():
            # without tensors: docs from the parse worker have none, local ones do, and nothing reads them
            joined = Doc.from_docs([parts[s.text] for s in chain], exclude=["user_data", "tensor"])
            if joined.text == quote:
                self.cache.put(quote, joined)

    def _from_sentence(self, chunk: "Chunk", sent: sentences.Sentence) -> list[Candidate]:
        doc = self.cache.parse_syntax(sent.text)
        if not has_entities(doc) and (not self.lazy_ner or self.needs_entities(doc)):
            doc = self.cache.parse(sent.text)  # parsed earlier without entities (by the judge)
        evidence = Evidence(chunk_id=chunk.id, doc_id=chunk.doc_id, start=chunk.start + sent.start,
                            end=chunk.start + sent.end, quote=sent.text)
        seen: set[tuple[str, str, str]] = set()
        out = []
        for raw in triples(doc):
            subject, obj = _entity(raw.subject), _term(raw.object)
            if subject is None or obj is None or subject.text == obj.text:
                continue
            key = (subject.text, raw.predicate, obj.text)
            if key in seen:
                continue
            seen.add(key)
            qualifiers = {"modality": raw.modality} if raw.modality else {}
            out.append(Candidate(subject=subject, predicate=raw.predicate, object=obj, evidence=evidence,
                                 qualifiers=qualifiers, extractor=EXTRACTOR_ID))
        return out


_CONVERSATION = ("submission", "comment")


def _plain(doc: "Document | None") -> bool:
    """Whether sentences without a name or a number are parsed in this document: yes in documents, rows
    and essays (expository text states facts about kinds: "The heart pumps blood"), not in posts and
    comments, where such sentences are mostly about the poster's own things ("the app shows power flowing
    back"): on r/TeslaSolar posts they would add half again as many parses, and most of the facts they
    added were wrong (docs/explanation/extraction.md)."""
    return doc is None or doc.kind not in _CONVERSATION


def _entity(span: Span) -> Entity | None:
    text = span.text.strip(" ,;:'\"()")
    first, _, rest = text.partition(" ")
    if rest and first.lower() in ("the", "a", "an"):
        text = rest  # "the Mason School of Business" -> label "Mason School of Business"
    if not text or not any(ch.isalnum() for ch in text) or all(t.pos_ == "DET" for t in span):
        return None  # nothing, or a determiner the parser took for a noun phrase ("a" in "a forked blade")
    label = span.root.ent_type_ if span.root.ent_type_ else (span.ents[0].label_ if span.ents else "")
    return Entity(text=text, type=_NER_CLASS.get(label))


def _term(span: Span) -> Term | None:
    label = span.root.ent_type_  # a literal only when the phrase's head is the number/date itself
    if label:
        value = literals.from_entity(span.text, label)
        if value is not None:
            return value
    elif not has_entities(span.doc):
        value = _literal_without_entities(span)
        if value is not None:
            return value
    return _entity(span)


_MONTHS = {"jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
           "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
           "december"}
_UNITS = {"%", "percent", "kw", "kwh", "mw", "mwh", "w", "wh", "kva", "v", "volt", "volts", "a", "amp", "amps",
          "watt", "watts", "mile", "miles", "km", "ft", "feet", "foot", "lb", "lbs", "kg", "degree", "degrees"}


def _literal_without_entities(span: Span) -> Value | None:
    """The typed literal of a phrase in a sentence parsed without NER (`svo.needs_entities`: only
    candidates the judge rejects for their generic subject): when its head is a number or currency sign
    ("$12,000"), or a month, time or unit word with a number ("June 2021", "3 weeks", "25%", "13.5 kWh"),
    the literal parsers decide on the text (money, then duration, date, quantity)."""
    root = span.root
    word = root.lower_
    if not (root.like_num or root.pos_ == "NUM" or root.is_currency or (
            (word in _MONTHS or word in TIME_WORDS or word in _UNITS) and any(c.like_num for c in root.children))):
        return None
    text = span.text
    return literals.money(text) or literals.duration(text) or literals.date(text) or literals.quantity(text)
