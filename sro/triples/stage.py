"""TripleStage: the one entry point other stages call to turn chunks into judged, stored triples.

extract (LLM when a worker model is configured, else offline NLP + patterns) -> resolve -> judge ->
store every candidate and judgment in DuckDB (deterministic ids: a re-run stores nothing new) -> write
accepted triples as Facts (plus entity records) to the workspace graph (idempotent there as well).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from weakref import WeakKeyDictionary
from typing import TYPE_CHECKING, Awaitable, Callable

from sro.errors import BudgetExceeded, LLMAuthError, LLMConnectionError, SROError
from sro.extract.base import Extractor
from sro.extract.offline import OfflineExtractor
from sro.triples.resolve import Resolver
from sro.triples.result import StageResult
from sro.triples.store import TripleStore, candidate_id
from sro.triples.to_graph import entity_records, to_fact
from sro.judge.axioms.corroboration import triple_key
from sro.judge.judge import AxiomJudge
from sro.judge.models import Judge, VerifiedTriple

if TYPE_CHECKING:
    import duckdb

    from graph_store.base import FactGraph
    from pipelines import Pipeline
    from sro.data.models import Chunk, Document
    from sro.llm.client import LLMClient
    from sro.triples.pool import ExtractionPool
    from sro.workspace import Workspace

DOC_CACHE = 256


class _Shared:
    """What every stage on one workspace connection shares: documents never change once stored (ids are
    skipped on re-ingest), so one cache serves every stage (one per RLM session in a campaign)."""

    def __init__(self) -> None:
        self.docs: OrderedDict[str, "Document"] = OrderedDict()


_SHARED: "WeakKeyDictionary[duckdb.DuckDBPyConnection, _Shared]" = WeakKeyDictionary()


class TripleStage:
    """Receives what it uses: the DuckDB connection (candidates, judgments, aliases, finished chunks), the LLM
    client, the graph it writes facts to, a document lookup, the base IRI and the pipeline. Callers holding a
    workspace build one with `TripleStage.for_workspace(ws, pipeline)`."""

    def __init__(self, *, con: "duckdb.DuckDBPyConnection", client: "LLMClient", graph: "FactGraph",
                 document: Callable[[str], "Document"], base_iri: str, pipeline: "Pipeline",
                 offline: bool | None = None, gleaning: int = 0):
        self.gleaning = gleaning
        self.pipeline, self.client, self.graph, self.base_iri = pipeline, client, graph, base_iri
        self._document = document
        # The triples tables are created once per DuckDB connection, not by every stage (one per RLM session
        # in a campaign); they are never dropped.
        shared = _SHARED.get(con)
        self.store = TripleStore(con, schema_ready=shared is not None)
        self.offline = offline if offline is not None else client.is_offline("worker")
        self.resolver = Resolver(pipeline, con=con, base_iri=base_iri, schema_ready=True)
        if shared is None:
            shared = _SHARED[con] = _Shared()
        self._docs = shared.docs

    @classmethod
    def for_workspace(cls, ws: "Workspace", pipeline: "Pipeline | str", *, offline: bool | None = None,
                      gleaning: int = 0) -> "TripleStage":
        """The stage on a workspace's connection, LLM client, graph, datasets and base IRI."""
        return cls(con=ws.db, client=ws.llm, graph=ws.graph, document=ws.datasets.document,
                   base_iri=ws.settings.base_iri, offline=offline, gleaning=gleaning,
                   pipeline=ws.pipeline(pipeline) if isinstance(pipeline, str) else pipeline)

    def extractor(self, client: LLMClient) -> Extractor:
        if self.offline:
            return OfflineExtractor(self.pipeline)
        from sro.extract.llm_extractor import LLMExtractor

        return LLMExtractor(client, self.pipeline, gleaning=self.gleaning)

    def documents(self, chunks: list["Chunk"]) -> dict[str, "Document"]:
        found: dict[str, "Document"] = {}
        for doc_id in dict.fromkeys(c.doc_id for c in chunks):
            doc = self._docs.get(doc_id)
            if doc is None:
                doc = self._docs[doc_id] = self._document(doc_id)
            found[doc_id] = doc
            try:
                self._docs.move_to_end(doc_id)
            except KeyError:  # evicted meanwhile by a stage on another thread
                pass
        while len(self._docs) > DOC_CACHE:
            try:
                self._docs.popitem(last=False)
            except KeyError:
                break
        return {c.doc_id: found[c.doc_id] for c in chunks}

    async def run(self, chunks: list["Chunk"], *, campaign: str | None = None, node: str | None = None) -> StageResult:
        result = StageResult(chunks=len(chunks))
        if not chunks:
            return result
        client = self.client.scoped(campaign=campaign, node=node)
        extractor = self.extractor(client)
        result.extractor = "nlp:spacy" if self.offline else "llm"
        docs = self.documents(chunks)
        before = client.spent()
        try:
            found = await extractor.run(chunks, docs)
        except (LLMAuthError, LLMConnectionError):
            raise
        except SROError as exc:
            result.errors.append(f"extraction failed: {exc}")
            result.failed_chunks = len(chunks)
            result.budget_stop = str(exc) if isinstance(exc, BudgetExceeded) else ""
            return result
        result.errors += found.errors
        result.budget_stop = found.budget_stop
        raw = [c if c.campaign == campaign and c.node == node else  # a copy only where the tags change
               c.model_copy(update={"campaign": campaign, "node": node}) for c in found.candidates]
        candidates = await self.resolver.arun(raw, client)
        judge: Judge = AxiomJudge(self.pipeline, client=client, graph=self.graph)
        ctx = judge.context(docs, self.store.support(triple_key(c) for c in candidates))
        judgments = await judge.arun(candidates, ctx=ctx, pre=found.judged)  # found.judged: a worker's scores
        ids = [candidate_id(c) for c in candidates]
        items = list({cid: (cid, c, j) for cid, c, j in zip(ids, candidates, judgments)}.values())
        result.candidates = len(candidates)
        self._sort(result, candidates, judgments)
        self._write_graph(result)  # idempotent: a batch killed before its commit below is redone on the next run
        failed = found.failed_chunks  # retried on the next run, not marked done
        counts = {ch.id: 0 for ch in chunks if ch.id not in failed}
        result.failed_chunks = len(chunks) - len(counts)
        counts.update(Counter(c.evidence.chunk_id for c in candidates if c.evidence.chunk_id not in failed))
        # candidates, judgments, aliases and finished chunks: one commit per batch
        same_con = self.resolver.con is self.store.con
        result.new_candidates = self.store.save(self.pipeline.name, items, also=self.resolver.flush if same_con
                                                else None, done=counts, extractor=result.extractor)
        if not same_con:
            self.resolver.flush()
        result.unmapped_predicates = dict(self.resolver.predicates.unmapped)
        self.resolver.predicates.unmapped.clear()
        used = client.spent() - before
        result.calls, result.tokens, result.cost_usd = used.calls, used.tokens, used.cost_usd
        return result

    def _sort(self, result: StageResult, candidates: list, judgments: list) -> None:
        rejected = Counter()
        for c, j in zip(candidates, judgments):
            triple = VerifiedTriple(subject_iri=c.subject.iri, predicate_iri=c.predicate_iri,
                                    object_iri=getattr(c.object, "iri", None), candidate=c, judgment=j)
            if j.verdict == "accepted":
                result.accepted.append(triple)
            elif j.verdict == "conflict":
                result.conflicts.append(triple)
            else:
                result.rejected.append(triple)
                rejected.update(j.rejected_by)
        result.n_accepted, result.n_rejected = len(result.accepted), len(result.rejected)
        result.n_conflicts = len(result.conflicts)
        result.rejected_by_axiom = dict(rejected)

    def _write_graph(self, result: StageResult) -> None:
        if not result.accepted:
            return
        facts = [to_fact(t, self.base_iri) for t in result.accepted]
        # the facts and their entities in one write
        added = self.graph.add_facts(facts, entities=entity_records(result.accepted, self.resolver.predicates))
        result.new_facts = added.new_facts


def extraction(ws: "Workspace", pipeline: str, pool: "ExtractionPool | None" = None
               ) -> Callable[[list["Chunk"], str | None, str | None], Awaitable[StageResult]]:
    """An RLM session's extract_triples: one TripleStage, built on first use. The call runs on the event loop,
    not the sandbox's host thread: the stage keeps the workspace's shared DuckDB connection, which parallel
    sessions (K > 1) may only use from the loop's thread. `pool`: the run's executor (sro.triples.pool), which
    parses and extracts elsewhere unless it is `local`."""
    stage: TripleStage | None = None

    async def extract(chunks: list["Chunk"], campaign: str | None, node: str | None) -> StageResult:
        nonlocal stage
        if stage is None:
            stage = TripleStage.for_workspace(ws, pipeline) if pool is None else pool.stage(pipeline)
        if pool is not None:
            return await pool.run(stage, chunks, campaign, node)
        return await stage.run(chunks, campaign=campaign, node=node)

    return extract
