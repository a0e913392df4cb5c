"""Entity and predicate resolution: fills subject/object IRIs and predicate_iri on candidates.

Entities: a mention's canonical key (sro.nlp.keys) is looked up in the alias table (DuckDB `aliases`,
loaded once per Resolver). A new key is fuzzy-matched (rapidfuzz ratio) only against keys in the same
block — same first three characters — so the cost stays linear; keys whose digits differ never merge
("Model 3" / "Model Y", "10 kW" / "11 kW"). Pairs just below the threshold are recorded as borderline;
`adjudicate()` lets the judge model decide them when a judge model is configured.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Callable

from pydantic import BaseModel
from rapidfuzz import fuzz, process

from sro.nlp.keys import canonical_key, document_iri, entity_iri
from sro.nlp.models import Candidate, Entity
from sro.nlp.predicates import PredicateMapper
from sro.triples.store import bulk_insert, ensure_schema

if TYPE_CHECKING:
    import duckdb

    from pipelines import Pipeline
    from sro.llm.client import LLMClient

_DIGITS = re.compile(r"\d+")


class Alias(BaseModel):
    key: str
    iri: str
    label: str
    type: str | None = None


class Resolver:
    def __init__(self, pipeline: "Pipeline", *, con: duckdb.DuckDBPyConnection | None = None,
                 base_iri: str | None = None, threshold: float = 90.0, borderline: float = 8.0,
                 schema_ready: bool = False):
        """`con`: where aliases are kept (None: in memory only); `base_iri`: the workspace's, under which
        entities live (a pipeline's base_iri is its ontology namespace)."""
        self.pipeline = pipeline
        self.threshold = threshold
        self.borderline_margin = borderline
        self.con = con
        self.base = base_iri or "https://sro.dev/id/"
        self.predicates = PredicateMapper(pipeline)
        self.aliases: dict[str, Alias] = {}  # alias key -> entity
        self.blocks: dict[str, list[str]] = defaultdict(list)  # block -> entity keys
        self.new: dict[str, tuple[Alias, int]] = {}
        self.borderline: list[tuple[str, str, float]] = []
        if self.con is not None:
            self._load(schema_ready)

    def _load(self, schema_ready: bool = False) -> None:
        if not schema_ready:
            ensure_schema(self.con)
        for alias, key, iri, label, type_ in self.con.execute(
                "SELECT alias, key, iri, label, type FROM aliases").fetchall():
            self.aliases[alias] = Alias(key=key, iri=iri, label=label, type=type_)
            if alias == key:
                self.blocks[key[:3]].append(key)

    # --- entities ----------------------------------------------------------------------------
    def resolve_entity(self, entity: Entity, doc_id: str | None = None) -> Entity:
        if entity.ref == "document" and doc_id:
            return entity.model_copy(update={"iri": document_iri(self.base, doc_id)})
        key = canonical_key(entity.label or entity.text)
        alias = self.aliases.get(key) or self._match(key, entity)
        self._count(key, alias)
        return entity.model_copy(update={"iri": alias.iri, "type": entity.type or alias.type})

    def _match(self, key: str, entity: Entity) -> Alias:
        block = self.blocks[key[:3]]
        found = process.extractOne(key, block, scorer=fuzz.ratio,
                                   score_cutoff=self.threshold - self.borderline_margin) if block else None
        if found and _DIGITS.findall(found[0]) == _DIGITS.findall(key):
            target, score = found[0], found[1]
            if score >= self.threshold:
                alias = self.aliases[target]
                self.aliases[key] = alias
                return alias
            self.borderline.append((key, target, score))
        alias = Alias(key=key, iri=entity_iri(self.base, key), label=entity.label or entity.text, type=entity.type)
        self.aliases[key] = alias
        block.append(key)
        return alias

    def _count(self, key: str, alias: Alias) -> None:
        previous = self.new.get(key)
        self.new[key] = (alias, (previous[1] if previous else 0) + 1)

    # --- candidates --------------------------------------------------------------------------
    def run(self, candidates: list[Candidate]) -> list[Candidate]:
        return self._run(candidates, self.resolve_entity)

    def preview(self, candidates: list[Candidate]) -> list[Candidate]:
        """What a worker without the alias table can resolve: predicates mapped, subject and object swapped for
        an active verb of a passive-named predicate; entities as extracted (no IRI, their own types)."""
        return self._run(candidates, lambda entity, doc_id: entity)

    def _run(self, candidates: list[Candidate], resolve_entity: Callable[[Entity, str | None], Entity]
             ) -> list[Candidate]:
        out = []
        for c in candidates:
            subject = resolve_entity(c.subject, c.evidence.doc_id)
            obj = resolve_entity(c.object, c.evidence.doc_id) if c.object.kind == "entity" else c.object
            mapped = self.predicates.map(c.predicate, lemmatized=not c.extractor.startswith("llm"))
            if mapped.active and isinstance(obj, Entity):  # "Tesla installed the system": system installedBy Tesla
                subject, obj = obj, subject
            out.append(c.model_copy(update={"subject": subject, "object": obj, "predicate_iri": mapped.iri}))
        return out

    async def arun(self, candidates: list[Candidate], client: LLMClient | None = None) -> list[Candidate]:
        """`run`, then — only when a judge model is configured and there are borderline name pairs — let
        the judge model decide them and resolve again so merged names share one IRI."""
        out = self.run(candidates)
        if client is None or client.is_offline("judge") or not self.borderline:
            self.borderline.clear()
            return out
        if not await self.adjudicate(client):
            return out
        self.new.clear()  # the second pass recounts this batch's mentions
        self.predicates.unmapped.clear()
        return self.run(candidates)

    def flush(self) -> int:
        """Write the aliases seen in this run (new ones inserted, mention counts added)."""
        if self.con is None or not self.new:
            return 0
        rows = [(k, a.key, a.iri, a.label, a.type, n) for k, (a, n) in self.new.items()]
        bulk_insert(self.con, "aliases", ["alias", "key", "iri", "label", "type", "mentions"], rows,
                    "ON CONFLICT (alias) DO UPDATE SET mentions = aliases.mentions + excluded.mentions")
        self.new.clear()
        return len(rows)

    async def adjudicate(self, client: LLMClient | None) -> int:
        """Ask the judge model about borderline pairs; merge those it calls the same entity."""
        if client is None or client.is_offline("judge") or not self.borderline:
            return 0
        merged = 0
        for key, target, score in dict.fromkeys(self.borderline):
            verdict = await client.astructured("judge", [{"role": "user", "content": (
                f"Do these two names refer to the same real-world entity? A: {key!r} B: {target!r}. "
                "Answer with same=true or same=false.")}], SameEntity, namespace="resolve")
            if verdict.same:
                self.aliases[key] = self.aliases[target]
                merged += 1
        self.borderline.clear()
        return merged


class SameEntity(BaseModel):
    same: bool
