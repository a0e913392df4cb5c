"""Typed template slots: `{installer}` takes only resolved entities of class Installer (or a subclass),
`{tariff}` only tariffs, `{size}` only numbers of a predicate named for it (systemSize), all taken from the
node's accepted facts and the pipeline's ontology. A template's slot is never filled with an arbitrary
capitalised word of the evidence ("utilities such as Throwaway")."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sro.mcts.expand import Expansion, Proposal
from sro.mcts.propose import NUMERIC_SLOTS, PLACEHOLDER_RE
from sro.mcts.terms import terms

if TYPE_CHECKING:
    from pipelines import Pipeline

RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@lru_cache(maxsize=16)
def superclasses(ontology: Path | None) -> dict[str, set[str]]:
    """Class local name (lower case) -> itself and all its superclasses, from the ontology's rdfs:subClassOf."""
    if ontology is None:
        return {}
    import rdflib

    graph = rdflib.Graph().parse(ontology, format="turtle")
    parent: dict[str, set[str]] = {}
    for sub, sup in graph.subject_objects(rdflib.URIRef(RDFS_SUBCLASS)):
        parent.setdefault(_local(sub), set()).add(_local(sup))
    out: dict[str, set[str]] = {}
    for cls in parent:
        seen, todo = {cls}, [cls]
        while todo:
            for sup in parent.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        out[cls] = seen
    return out


def _local(iri: object) -> str:
    return str(iri).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()


def slot_values(exp: Expansion, pipeline: Pipeline) -> dict[str, list[str]]:
    """slot name -> values of that class (or number) in the node's accepted facts, most frequent first."""
    chains = superclasses(pipeline.ontology_path)
    found: dict[str, Counter[str]] = {}
    for fact in exp.accepted:
        pdef = pipeline.predicate(fact.predicate)
        if pdef is None or not pdef.range or not fact.object.strip():
            continue
        if pdef.range[0].isupper():  # a class: every class of its chain is a slot it fills
            for slot in chains.get(pdef.range.lower(), {pdef.range.lower()}):
                found.setdefault(slot, Counter())[fact.object.strip()] += 1
        else:
            for slot in NUMERIC_SLOTS:
                if slot in pdef.name.lower():
                    found.setdefault(slot, Counter())[fact.object.strip()] += 1
    return {slot: [v for v, _ in sorted(c.items(), key=lambda vc: (-vc[1], vc[0]))] for slot, c in found.items()}


def typed_proposals(exp: Expansion, pipeline: Pipeline, *, covered: set[str], datasets: list[str],
                    n: int) -> list[Proposal]:
    """The pipeline's templates with exactly one typed slot, filled with uncovered values of that slot."""
    values = slot_values(exp, pipeline)
    names = " and ".join(datasets) or "the datasets"
    out: list[Proposal] = []
    for template in pipeline.question_templates:
        slots = set(PLACEHOLDER_RE.findall(template)) - {"dataset"}
        if len(slots) != 1:
            continue
        slot = slots.pop()
        value = next((v for v in values.get(slot, []) if not (terms(v) and set(terms(v)) <= covered)), None)
        if value is not None:
            question = PLACEHOLDER_RE.sub(lambda m: names if m.group(1) == "dataset" else value, template)
            out.append(Proposal(question, None, "offline"))
    return out[:n]
