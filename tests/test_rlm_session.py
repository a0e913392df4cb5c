"""RLM sessions end to end: a scripted CEO served by the loopback server drives the real sandbox, the real
DuckDB datasets and the real LLM client; the offline policy drives the same engine without a model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from sro.config import Budgets
from sro.data.models import Document
from sro.rlm.session import RLMSession, SessionConfig
from sro.triples.stage import extraction
from sro.workspace import Workspace

NEEDLE = "The secret code for the vault is 7481-ZEBRA."


def corpus() -> list[Document]:
    docs = [
        Document(id=f"post:{i:03d}", dataset="demo", source_uri=f"https://example.org/{i}", title=f"Post {i}",
                 text=f"Post {i}: our solar panels feed an SMA inverter. The inverter failed after {i % 7 + 1} "
                      f"years and the installer replaced it under warranty.")
        for i in range(40)
    ]
    docs.append(Document(id="post:zzz", dataset="demo", source_uri="https://example.org/z",
                         text=f"Unrelated filler about gardening. {NEEDLE} More filler about tomatoes."))
    return docs


@pytest.fixture
def ws(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-test-key-0001")
    w = Workspace.open(tmp_path / "ws", {"ceo": llm_server.role("openai/test-ceo"), "worker": llm_server.role()})
    w.datasets.add_documents("demo", corpus())
    yield w
    w.close()


def plan(server, plans: dict[str, list[str]], forced: str = "FINAL('forced answer')") -> None:
    """Script the CEO: per question, the block to send at each turn (by count of earlier turns)."""

    def respond(request: dict) -> str:
        messages = request["messages"]
        if "Give your final answer now" in messages[-1]["content"]:
            return f"```repl\n{forced}\n```"
        question = messages[1]["content"]
        for key, blocks in plans.items():
            if key in question:
                turn = sum(1 for m in messages if m["role"] == "assistant")
                block = blocks[min(turn, len(blocks) - 1)]
                return block if block.startswith("NOCODE") else f"Let me look.\n```repl\n{block}\n```"
        return "```repl\nprint('no plan')\n```"

    server.add(r"Recursive Language Model", respond)


def run(ws, question: str, **kwargs) -> object:
    return asyncio.run(RLMSession(ws, SessionConfig(datasets=("demo",), **kwargs)).run(question))


def root_requests(server) -> list[dict]:
    return [r for r in server.requests if r["model"] == "test-ceo"]


def test_scripted_root_searches_reads_with_worker_and_answers(ws, llm_server):
    plan(llm_server, {"vault": [
        "hits = dataset('demo').search('secret code vault', k=3)\nprint([h['doc_id'] for h in hits])",
        "reading = llm_query('Read this passage and give the code: ' + hits[0]['text'])\nprint(reading)",
        "FINAL(reading)",
    ]})
    llm_server.add(r"Read this passage", "The code is 7481-ZEBRA.")  # root rule first: it wins for the root
    result = run(ws, "What is the code for the vault?")
    assert result.answer == "The code is 7481-ZEBRA." and not result.forced
    assert result.iterations == 3 and result.sub_calls == 1
    assert len(result.root_prompt_tokens) == 3 and all(t > 0 for t in result.root_prompt_tokens)
    assert result.policy == "llm:openai/test-ceo" and result.cost_usd >= 0 and result.tokens > 0
    assert any(e["doc_id"] == "post:zzz" for e in result.evidence)
    first = json.dumps(root_requests(llm_server)[0]["messages"])
    assert "demo" in first and "41 documents" in first, "the system prompt describes the dataset"
    assert "7481-ZEBRA" not in first, "the root never receives the corpus itself"
    second = json.dumps(root_requests(llm_server)[1]["messages"])
    assert "post:zzz" in second, "the output of turn 1 goes back to the root"


def test_answer_before_exploring_is_refused_once(ws, llm_server):
    plan(llm_server, {"how many": ["FINAL('a guess')", "print(dataset('demo').count())", "FINAL('41 posts')"]})
    result = run(ws, "how many posts are there?")
    assert result.answer == "41 posts" and result.iterations == 3
    assert "answer was refused" in json.dumps(root_requests(llm_server)[1]["messages"])


def test_refusal_happens_only_once_and_the_answer_is_flagged_ungrounded(ws, llm_server):
    plan(llm_server, {"stubborn": ["FINAL('first')", "FINAL('first')"]})
    result = run(ws, "stubborn question")
    assert result.answer == "first" and result.iterations == 2 and not result.forced
    assert result.ungrounded and result.stop_reason == "done"


def test_iteration_limit_forces_one_final_answer(ws, llm_server):
    plan(llm_server, {"endless": ["x = dataset('demo').peek(1)\nprint(len(x))"]}, forced="FINAL('best effort')")
    result = run(ws, "endless question", max_iterations=2)
    assert result.forced and result.answer == "best effort" and result.iterations == 3
    assert result.stop_reason == "max_iterations" and not result.ungrounded
    assert "Give your final answer now" in root_requests(llm_server)[-1]["messages"][-1]["content"]


def test_reply_without_code_gets_a_reminder(ws, llm_server):
    plan(llm_server, {"chatty": ["NOCODE I think the answer is 42.", "print(dataset('demo').count())",
                                 "FINAL('counted')"]})
    result = run(ws, "chatty question")
    assert result.answer == "counted"
    assert "had no ```repl code block" in json.dumps(root_requests(llm_server)[1]["messages"])


def test_budget_exhaustion_ends_with_a_forced_answer(ws, llm_server):
    plan(llm_server, {"costly": ["print(dataset('demo').count())"]})
    result = run(ws, "costly question", budgets=Budgets(calls=1))
    assert result.forced and result.stop_reason == "budget" and "calls" in result.stop_detail
    assert result.answer.startswith("[no final answer: budget") and result.iterations == 1
    assert len(root_requests(llm_server)) == 1, "a refused call is never sent"


def test_llm_batch_and_errors_are_readable(ws, llm_server):
    plan(llm_server, {"batch": [
        "outs = llm_batch(['summarise a', 'summarise bb', 'summarise ccc'])\nprint(outs)",
        "dataset('nope')",
        "extract_triples('free text that is no chunk id')",
        "FINAL(outs)",
    ]})
    llm_server.add(r"summarise", lambda req: "summary " + str(len(req["messages"][0]["content"])))
    result = run(ws, "batch question")
    assert json.loads(result.answer) == ["summary 11", "summary 12", "summary 13"]
    assert result.sub_calls == 3 and result.errors == 2
    later = json.dumps(root_requests(llm_server)[2]["messages"])
    assert "dataset 'nope' is not available to this session" in later
    last = json.dumps(root_requests(llm_server)[3]["messages"])
    assert "is not a known chunk id" in last and "source span" in last


def test_rlm_query_recurses_with_context_and_respects_max_depth(ws, llm_server):
    plan(llm_server, {
        "parent task": ["r = rlm_query('child task', {'hint': 'vault'})\nFINAL('child said: ' + r)"],
        "child task": ["print(context['hint'], dataset('demo').count())\nr = rlm_query('grandchild task')",
                       "FINAL('child saw ' + context['hint'])"],
    })
    result = run(ws, "parent task", max_depth=1)
    assert result.answer == "child said: child saw vault"
    assert result.sub_calls == 1
    child_second = [r for r in root_requests(llm_server) if "child task" in r["messages"][1]["content"]][1]
    text = json.dumps(child_second["messages"])
    assert "vault 41" in text and "depth limit reached (max_depth=1)" in text
    assert not [r for r in root_requests(llm_server) if "grandchild" in r["messages"][1]["content"]]


def test_trajectory_records_turns_without_data_or_keys(ws, llm_server):
    plan(llm_server, {"trace": ["hits = dataset('demo').search('inverter warranty', k=20)\nprint(len(hits))",
                                "FINAL('traced')"]})
    result = run(ws, "trace question", campaign="c1")
    path = Path(result.trajectory)
    assert path.parent == ws.root / "runs" / "c1" / "trajectories"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["type"] for r in records] == ["start", "turn", "turn", "result"]
    call = records[1]["primitive_calls"][-1]
    assert call["fn"] == "dataset.search" and call["result_chars"] > 1000 and call["ms"] >= 0
    text = path.read_text()
    assert "sk-test-key-0001" not in text
    assert "installer replaced it under warranty" not in text, "hit payloads are never logged"
    assert records[-1]["answer"] == "traced" and records[1]["root_prompt_tokens"] > 0


def test_notes_persist_across_sessions_of_a_campaign(ws, llm_server):
    plan(llm_server, {"first": ["notes['lead'] = {'doc': 'post:zzz'}\nprint(dataset('demo').count())",
                                "FINAL(notes.keys())"],
                      "second": ["print(dataset('demo').count())", "FINAL(notes['lead']['doc'])"],
                      "other": ["print(dataset('demo').count())", "FINAL(len(notes))"]})
    assert run(ws, "first session", campaign="c2").answer == '["lead"]'
    assert run(ws, "second session", campaign="c2").answer == "post:zzz"
    assert run(ws, "other campaign", campaign="c3").answer == "0"


def test_offline_policy_finds_the_needle_through_the_real_engine(tmp_path):
    with Workspace.open(tmp_path / "off") as w:
        w.datasets.add_documents("demo", corpus())
        session = RLMSession(w, SessionConfig(datasets=("demo",), extract=extraction(w, "generic")))
        result = asyncio.run(session.run("What is the secret code for the vault?"))
        assert result.policy == "offline" and not result.forced
        assert result.answer.startswith("[offline policy") and "7481-ZEBRA" in result.answer
        assert "post:zzz" in result.answer and result.iterations == 4
        assert result.stage_results, "the offline policy runs extraction through the primitive"
        assert isinstance(result.proposed_questions, list)
        records = [json.loads(x) for x in Path(result.trajectory).read_text().splitlines()]
        fns = {c["fn"] for r in records if r["type"] == "turn" for c in r["primitive_calls"]}
        assert {"datasets", "dataset.search", "dataset.grep", "extract_triples"} <= fns


def _sandbox_children() -> list:
    import psutil

    return [p for p in psutil.Process().children(recursive=True)
            if "sro.rlm.child" in " ".join(p.cmdline())]


def test_step_timeout_inside_a_session_loses_variables_and_goes_on(ws, llm_server):
    from sro.rlm.limits import SandboxLimits

    plan(llm_server, {"slow": ["kept = dataset('demo').count()\nwhile True:\n    pass", "print(kept)",
                               "FINAL('recovered')"]})
    result = run(ws, "slow question", limits=SandboxLimits(timeout_s=1.5))
    assert result.answer == "recovered" and result.errors == 2
    second = json.dumps(root_requests(llm_server)[1]["messages"])
    assert "variables were lost" in second
    third = json.dumps(root_requests(llm_server)[2]["messages"])
    assert "NameError" in third and "kept" in third


def test_concurrent_sessions_and_cancellation_leave_no_child_behind(ws, llm_server):
    from sro.rlm.limits import SandboxLimits

    plan(llm_server, {"alpha": ["n = dataset('demo').count()", "FINAL(f'alpha {n}')"],
                      "beta": ["h = dataset('demo').search('vault', k=1)", "FINAL('beta ' + h[0]['doc_id'])"],
                      "spin": ["x = dataset('demo').count()\nwhile True:\n    pass"]})

    async def both():
        return await asyncio.gather(RLMSession(ws, SessionConfig(datasets=("demo",))).run("alpha task"),
                                    RLMSession(ws, SessionConfig(datasets=("demo",))).run("beta task"))

    a, b = asyncio.run(both())
    assert (a.answer, b.answer) == ("alpha 41", "beta post:zzz")

    async def cancel():
        task = asyncio.ensure_future(
            RLMSession(ws, SessionConfig(datasets=("demo",), limits=SandboxLimits(timeout_s=60))).run("spin task"))
        for _ in range(200):
            await asyncio.sleep(0.05)
            if llm_server.count("spin task") and _sandbox_children():
                break
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel())
    assert _sandbox_children() == [], "a cancelled session kills its sandbox and never restarts it"


def test_rlm_query_child_gets_a_share_of_the_parent_budget(ws, llm_server):
    plan(llm_server, {"parent budget": ["r = rlm_query('kid task')\nprint(r)", "FINAL(r)"],
                      "kid task": ["print(dataset('demo').count())", "FINAL('kid done')"]})
    result = run(ws, "parent budget question", budgets=Budgets(calls=4))
    # parent turn 1 uses 1 of 4 calls; the kid may spend half of the 3 left (1 call): its second turn is refused
    assert result.answer.startswith("[no final answer: budget: sub-call budget") and not result.forced
    kid_requests = [r for r in root_requests(llm_server) if "kid task" in r["messages"][1]["content"]]
    assert len(kid_requests) == 1
    assert len(root_requests(llm_server)) == 3


def test_offline_root_with_a_worker_model_reads_passages_with_llm_batch(tmp_path, llm_server, monkeypatch):
    monkeypatch.setenv("SRO_TEST_KEY", "sk-test-key-0001")

    def read(request: dict) -> str:
        text = request["messages"][-1]["content"]
        return "The vault code is 7481-ZEBRA." if "7481" in text else "NONE"

    llm_server.add(r"Answer the question using only this passage", read)
    with Workspace.open(tmp_path / "w", {"worker": llm_server.role()}) as w:
        w.datasets.add_documents("demo", corpus())
        session = RLMSession(w, SessionConfig(datasets=("demo",)))
        result = asyncio.run(session.run("What is the secret code for the vault?"))
    assert result.policy == "offline" and result.iterations == 5
    assert "Worker model readings" in result.answer and "[post:zzz] The vault code is 7481-ZEBRA." in result.answer
    assert result.sub_calls == llm_server.count(r"Answer the question using only this passage") >= 1


def test_reasoning_goes_to_the_trajectory_never_back_to_the_root(ws, llm_server):
    replies = ["<think>SECRET-PLAN: peek first</think>\n```repl\nprint(llm_query('read: ' + dataset('demo').peek(1)[0]['text']))\n```",
               "<think>two rows</think>\nThe data is there.\nFINAL(\"peeked\")"]
    llm_server.add(r"Recursive Language Model",
                   lambda req: replies[min(sum(m["role"] == "assistant" for m in req["messages"]), 1)])
    llm_server.add(r"read: ", "<think>WORKER-THOUGHT</think>The post is about inverters.")
    result = run(ws, "reasoning question")
    assert result.answer == "peeked" and result.stop_reason == "done" and not result.ungrounded
    second = json.dumps(root_requests(llm_server)[1]["messages"])
    assert "SECRET-PLAN" not in second and "WORKER-THOUGHT" not in second and "about inverters" in second
    records = [json.loads(line) for line in Path(result.trajectory).read_text().splitlines()]
    turns = [r for r in records if r["type"] == "turn"]
    assert turns[0]["reasoning"] == ["SECRET-PLAN: peek first"] and turns[1]["reasoning"] == ["two rows"], \
        "litellm moves a leading <think> out of the content: the backend puts it back for the trajectory"
    assert records[-1]["stop_reason"] == "done"
