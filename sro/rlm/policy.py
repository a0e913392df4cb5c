"""Root policies: who writes the code each turn.

`LLMRoot` asks the CEO model. `OfflinePolicy` (no CEO model configured) is a fixed, deterministic program
following the paper's emergent strategies - survey, keyword search and grep, partition the hits, extract
triples from the best ones, compose - sent through the same sandbox and primitives, so offline runs exercise
the real engine. Its answers say plainly that they come from the offline policy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sro.rlm.transcript import estimate_tokens

if TYPE_CHECKING:
    from sro.llm.client import LLMClient


@dataclass
class RootTurn:
    text: str
    prompt_tokens: int
    completion_tokens: int = 0
    cost_usd: float = 0.0
    finish_reason: str | None = None


class RootPolicy(Protocol):
    name: str

    async def next(self, messages: list[dict[str, str]], *, forced: bool = False) -> RootTurn: ...


class LLMRoot:
    def __init__(self, client: "LLMClient", max_tokens: int | None = None):
        self.client, self.max_tokens = client, max_tokens
        self.name = f"llm:{client.model_of('ceo')}"

    async def next(self, messages: list[dict[str, str]], *, forced: bool = False) -> RootTurn:
        own = self.client.settings.role("ceo").max_tokens  # a role's own max_tokens wins
        cap = {"max_tokens": self.max_tokens} if self.max_tokens and not own else {}
        done = await self.client.acomplete("ceo", messages, namespace="rlm-root", **cap)
        return RootTurn(done.text, done.prompt_tokens or estimate_tokens(messages), done.completion_tokens,
                        done.cost_usd, done.finish_reason)


STOPWORDS = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
once only or other our out over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while who whom why will with
would you your yours says said like just get got one two use used using also many much well tell find corpus
question answer there their know think long often kind way ever still""".split())


def question_terms(question: str, limit: int = 8) -> list[str]:
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]{2,}", question.lower())
    terms: list[str] = []
    for word in words:
        word = word.strip("'-")
        if word not in STOPWORDS and word not in terms and len(word) > 2:
            terms.append(word)
    return terms[:limit]


SURVEY = """QUESTION = {question}
TERMS = {terms}
names = [d['name'] for d in datasets()]
survey = {{}}
for name in names:
    ds = dataset(name)
    survey[name] = {{'documents': ds.count(), 'fields': ds.fields(), 'first': [d['id'] for d in ds.peek(3)]}}
print('datasets:', survey)
print('question terms:', TERMS)"""

SEARCH = """import re
hits = {}
def add_hits(found, how):
    for h in found:
        if h['chunk_id'] not in hits:
            h['found_by'] = how
            hits[h['chunk_id']] = h
for name in names:
    ds = dataset(name)
    add_hits(ds.search(' '.join(TERMS) or QUESTION, k=30), 'search')
    for term in TERMS[:6]:
        add_hits(ds.grep('(?i)' + re.escape(term), k=10), 'grep:' + term)
def relevance(h):
    text = h['text'].lower()
    return sum(1 for t in TERMS if t in text) + (h.get('score') or 0) / 100
ranked = sorted(hits.values(), key=relevance, reverse=True)
docs = []
for h in ranked:
    if h['doc_id'] not in docs:
        docs.append(h['doc_id'])
top = ranked[:12]
batches = [top[i:i + 4] for i in range(0, len(top), 4)]
print(f"{len(hits)} passages in {len(docs)} documents; best: {', '.join(h['doc_id'] for h in top[:5])}")"""

EXTRACT = """facts = []
extraction_errors = []
for batch in batches:
    try:
        result = extract_triples([h['chunk_id'] for h in batch])
    except PrimitiveError as exc:
        extraction_errors.append(str(exc))
        break
    facts.extend(result['accepted'])
print(f"{len(facts)} verified facts", '; '.join(extraction_errors))"""

READ = """prompts = []
for h in top[:8]:
    prompts.append('Answer the question using only this passage. Reply NONE if it does not help.\\n'
                   f"Question: {QUESTION}\\nPassage [{h['doc_id']}]: {h['text']}")
readings = []
for h, text in zip(top[:8], llm_batch(prompts) if prompts else []):
    if text.strip() and not text.startswith('ERROR') and 'NONE' not in text[:12]:
        readings.append({'doc_id': h['doc_id'], 'text': text.strip()[:500]})
print(f"{len(readings)} of {len(prompts)} passages answered by the worker model")"""

COMPOSE = """QUESTION = {question}
TERMS = {terms}
import re
from collections import Counter
try:
    ranked
except NameError:
    ranked = []
try:
    facts
except NameError:
    facts = []
STOP = {stop}
def snippet(text):
    low = text.lower()
    found = [low.find(t) for t in TERMS if t in low]
    start = max(0, min(found or [0]) - 120)
    return ' '.join(text[start:start + 360].split())
lines = ["[offline policy: no CEO model is configured. This answer lists what keyword search, grep and the "
         "extraction stage found (plus worker readings when a worker model is configured); it is not a CEO "
         "model's judgement.]", 'Question: ' + QUESTION]
cited = []
for h in ranked:
    if h['doc_id'] not in cited:
        cited.append(h['doc_id'])
if ranked:
    lines.append(f"Found {{len(ranked)}} matching passages in {{len(cited)}} documents (terms: {{', '.join(TERMS)}}).")
    lines.append('Most relevant passages:')
    for h in ranked[:5]:
        lines.append(f"- [{{h['doc_id']}}] {{snippet(h['text'])}}")
else:
    lines.append('No passage matched the question terms: ' + ', '.join(TERMS))
try:
    readings
except NameError:
    readings = []
if readings:
    lines.append('Worker model readings of the best passages (llm_batch):')
    for r in readings[:5]:
        lines.append(f"- [{{r['doc_id']}}] {{r['text']}}")
if facts:
    lines.append('Verified facts:')
    for f in facts[:10]:
        lines.append(f"- {{f['subject']}} | {{f['predicate']}} | {{f['object']}} (score {{f['score']}}, {{f['chunk_id']}})")
counts = Counter()
for h in ranked[:30]:
    for w in re.findall(r"[A-Za-z][A-Za-z0-9-]{{3,}}", h['text']):
        lw = w.lower()
        if lw not in STOP and lw not in TERMS:
            counts[lw] = counts[lw] + 1
focus = ' '.join(TERMS[:3])
questions = [f"What does the corpus say about {{w}} in connection with {{focus}}?" for w, n in counts.most_common(4) if n > 1]
subjects = []
for f in facts:
    if f['subject'] not in subjects and len(subjects) < 3:
        subjects.append(f['subject'])
for subject in subjects:
    questions.append(f"What else is known about {{subject}}?")
answer['questions'] = questions
FINAL(chr(10).join(lines))"""


class OfflinePolicy:
    """Deterministic root for sessions without a CEO model."""

    name = "offline"

    def __init__(self, question: str, *, worker: bool = False):
        terms = question_terms(question)
        literal = {"question": json.dumps(question), "terms": json.dumps(terms)}
        # With a worker model (but no CEO) the best passages are also read by it, map-style, via llm_batch.
        self.steps = [SURVEY.format(**literal), SEARCH, *([READ] if worker else []), EXTRACT]
        self.compose = COMPOSE.format(**literal, stop=json.dumps(sorted(STOPWORDS)).replace("[", "{", 1)[:-1] + "}")
        self.turn = 0

    async def next(self, messages: list[dict[str, str]], *, forced: bool = False) -> RootTurn:
        program = self.compose if forced or self.turn >= len(self.steps) else self.steps[self.turn]
        self.turn += 1
        return RootTurn(f"```repl\n{program}\n```", estimate_tokens(messages))
