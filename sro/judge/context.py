"""What axioms may look at: the pipeline, source documents, cached parses, the graph, batch statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sro.nlp.nlp import ParseCache, shared_cache

if TYPE_CHECKING:
    from pipelines import Pipeline, PredicateDef
    from sro.data.models import Document


@dataclass
class JudgeContext:
    pipeline: "Pipeline"
    docs: dict[str, "Document"] = field(default_factory=dict)
    cache: ParseCache = field(default_factory=shared_cache)
    # (subject_iri, predicate_iri) -> objects already in the graph; None when no graph is attached
    graph_values: Callable[[str, str], list[Any]] | None = None
    # (s_iri, p_iri, object key) -> doc ids already stored in DuckDB (corroboration across runs)
    stored_support: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    predicate_by_iri: dict[str, "PredicateDef"] = field(default_factory=dict)
    client: Any = None  # LLM client for model axioms (entailment); None offline

    def doc_text(self, doc_id: str) -> str | None:
        doc = self.docs.get(doc_id)
        return doc.text if doc is not None else None
