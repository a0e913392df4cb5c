"""What every extractor hands the stage, in one object: `Extractor.run(chunks, docs) -> Extraction`.

The candidates travel with what went wrong while finding them (errors, the chunks whose extraction failed,
the budget that stopped it), so the stage reads none of it off the extractor afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sro.data.models import Chunk, Document
    from sro.judge.prejudged import Prejudged
    from sro.nlp.models import Candidate


@dataclass
class Extraction:
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed_chunks: set[str] = field(default_factory=set)  # not marked done: the next run retries them
    budget_stop: str = ""  # the refused call's message when a budget stopped extraction
    # the per-candidate axioms' scores, when a worker judged them (sro.judge.prejudged.Prejudged)
    judged: Prejudged | None = None


class Extractor(Protocol):
    """The LLM extractor, the offline one, or a worker's prepared candidates (sro.triples.executors)."""

    async def run(self, chunks: list[Chunk], docs: dict[str, Document]) -> Extraction: ...
