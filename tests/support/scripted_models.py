"""Scripted CEO and worker behaviour for the loopback server (campaign tests and benchmarks).

The CEO, as RLM root, writes real sandbox code (search, extract_triples, FINAL); as planner it proposes
child questions with priors; as writer it answers from numbered facts. The worker returns one triple per
passage, quoting the passage's first sentence verbatim. Everything is a pure function of the request, so
the LLM cache and resumed runs see identical answers.
"""

from __future__ import annotations

import hashlib
import json
import re

from tests.support.llm_server import ScriptedLLMServer, message_text

ROOT_MARK = "You are the root of a Recursive Language Model"
TOPICS = ["payback period", "Powerwall battery", "Enphase microinverters", "net metering", "permission to operate",
          "inverter warranty", "electric bill savings", "roof leak", "tax credit", "installer quote",
          "SolarEdge inverter", "time-of-use rates"]

ASPECTS = ["costs", "problems", "timelines", "savings", "warranties", "installers", "utilities", "surprises"]


def _user_messages(body: dict) -> list[str]:
    return [m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user"]


def root_reply(body: dict, *, turns: int = 1) -> str:
    """turns=1: search, extract and FINAL in one block. turns=3: search / extract / FINAL in three."""
    users = _user_messages(body)
    question = re.search(r"Question: (.*)", users[0]).group(1).strip() if users else "solar"
    query = " ".join(w for w in re.findall(r"[A-Za-z]{4,}", question)[:6]) or "solar"
    search = (f"hits = []\nfor d in datasets():\n    hits = hits + dataset(d['name']).search({query!r}, k=6)\n"
              "print(len(hits), 'hits')\n")
    extract = "res = extract_triples(hits[:6])\nprint(len(res['accepted']), 'accepted')\n"
    final = 'answer["questions"] = []\nFINAL("scripted answer: " + str(len(hits)) + " passages")\n'
    if turns == 1:
        return f"```repl\n{search}{extract}{final}```"
    step = len(users)  # 1: first turn, 2: after one output, ...
    if step == 1:
        return f"```repl\n{search}```"
    if step == 2:
        return f"```repl\n{extract}```"
    return f"```repl\n{final}```"


def proposals_reply(body: dict) -> str:
    text = message_text(body)
    current = re.search(r"Current sub-question: (.*)", text)
    digest = hashlib.sha1((current.group(1) if current else text).encode()).digest()
    picks = [(TOPICS[digest[2 * i] % len(TOPICS)], ASPECTS[digest[2 * i + 1] % len(ASPECTS)]) for i in range(3)]
    return json.dumps({"questions": [{"question": f"What do owners report about the {a} of {t}?", "prior": p}
                                     for (t, a), p in zip(picks, (0.7, 0.5, 0.3))]})


def synthesis_reply(body: dict) -> str:
    return "Scripted synthesis: the facts suggest payback periods of several years [1]. A claim citing nothing [999]."


def worker_reply(body: dict) -> str:
    """One triple per passage: its first sentence, verbatim, as the quote."""
    text = message_text(body)
    triples = []
    for i, passage in enumerate(re.split(r"\[passage \d+\][^\n]*\n", text)[1:]):
        sentence = re.split(r"(?<=[.!?])\s", passage.strip(), maxsplit=1)[0]
        names = re.findall(r"\b[A-Z][a-zA-Z0-9&]+(?: [A-Z0-9][a-zA-Z0-9]+)*", sentence)
        money = re.search(r"\$[\d,]+", sentence)
        if money:
            # the poster's installation, named as the solar pipeline's prompt asks (the extractor makes it the
            # post's entity); a capitalised word of the sentence ("Our 12") would be a garbled subject
            triples.append({"chunk": i, "subject": "this installation", "predicate": "systemCost",
                            "object": money.group(0), "object_type": "money",
                            "value": money.group(0).strip("$").replace(",", ""), "currency": "USD",
                            "quote": sentence})
        elif len(names) >= 2:
            triples.append({"chunk": i, "subject": names[0], "predicate": "mentions", "object": names[1],
                            "quote": sentence})
    return json.dumps({"triples": triples})


def script_server(server: ScriptedLLMServer, *, delay_s: float = 0.0, root_turns: int = 1) -> None:
    """Route requests by what they are: RLM root turns, child-question proposals, synthesis, extraction."""
    server.add(ROOT_MARK, lambda body: root_reply(body, turns=root_turns), delay_s=delay_s)
    server.add(r"Propose at most \d+ new sub-questions", proposals_reply, delay_s=delay_s)
    server.add(r"Answer the question first, directly", synthesis_reply, delay_s=delay_s)
    server.add(r"\[passage 0\]", worker_reply, delay_s=delay_s)
    server.default("{}", delay_s=delay_s)


def role_overrides(server: ScriptedLLMServer, roles: tuple[str, ...] = ("ceo", "worker"),
                   transport: str = "litellm") -> dict:
    return {role: {"model": f"openai/test-{role}", "base_url": server.base_url, "api_key_env": "SRO_TEST_KEY",
                   "max_retries": 0, "transport": transport} for role in roles}
