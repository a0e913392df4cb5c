"""Replay real-model reply shapes (tests/replay/*.yaml) black-box through `sro rlm` and `sro extract`.

Each case scripts the loopback server with the replies a real model gave, runs the real CLI in-process
(litellm's HTTP path), and checks the outcome written next to the case. `python -m tests.support.replay
[--split test]` prints, per case, which checks pass: the before/after numbers of issue 15.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from tests.support.llm_server import ScriptedLLMServer, message_text

CORPUS = Path(__file__).resolve().parent.parent / "replay"
QUESTION = "What is the secret code for the vault?"
POST = ("We finally got PTO last week. We paid $28,500 for the 9.6 kW system before the tax credit. Sunrun "
        "installed it in March. The Enphase microinverters have been flawless so far.")
GOOD = json.dumps({"triples": [
    {"chunk": 0, "subject": "this installation", "subject_type": "Installation", "predicate": "systemCost",
     "object": "$28,500", "object_type": "money", "value": "28500", "currency": "USD",
     "quote": "We paid $28,500 for the 9.6 kW system before the tax credit."},
    {"chunk": 0, "subject": "this installation", "predicate": "systemSize", "object": "9.6 kW",
     "object_type": "decimal", "value": "9.6", "unit": "kW",
     "quote": "We paid $28,500 for the 9.6 kW system before the tax credit."},
    {"chunk": 0, "subject": "this installation", "predicate": "installedBy", "object": "Sunrun",
     "object_class": "Installer", "quote": "Sunrun installed it in March."}]})
ROOT_MARK = "Recursive Language Model"
REASK_MARK = "That reply was invalid"


def cases(kind: str, split: str | None = None) -> list[dict]:
    data = yaml.safe_load((CORPUS / f"{kind}.yaml").read_text(encoding="utf-8"))
    return [c for c in data if split is None or c["split"] == split]


def _expand(text: str) -> str:
    text = re.sub(r"\{filler:(\d+)\}", lambda m: ("lorem ipsum dolor sit amet " * 9999)[: int(m.group(1))], text)
    return text.replace("{good}", GOOD)


def _entry(entry: Any) -> tuple[str, str]:
    if isinstance(entry, dict):
        return _expand(entry["text"]), entry.get("finish_reason", "stop")
    return _expand(entry), "stop"


@dataclass
class Outcome:
    name: str
    checks: dict[str, bool] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    def failed(self) -> list[str]:
        return [k for k, v in self.checks.items() if not v]


def _env(server: ScriptedLLMServer) -> dict[str, str]:
    env = {"SRO_TEST_KEY": "sk-replay-key"}
    for role in ("CEO", "WORKER"):
        env |= {f"SRO_{role}_BASE_URL": server.base_url, f"SRO_{role}_API_KEY_ENV": "SRO_TEST_KEY",
                f"SRO_{role}_TRANSPORT": "litellm", f"SRO_{role}_MAX_RETRIES": "0"}
    return env


def _one_system(server: ScriptedLLMServer) -> bool:
    return all(sum(m.get("role") == "system" for m in r["messages"]) <= 1 for r in server.requests)


# --- sro rlm -----------------------------------------------------------------------------------------
def demo_documents() -> list:
    from sro.data.models import Document

    docs = [Document(id=f"post:{i:03d}", dataset="demo", source_uri=f"https://example.org/{i}", title=f"Post {i}",
                     text=f"Post {i}: our solar panels feed an SMA inverter. The inverter failed after {i % 7 + 1} "
                          f"years and the installer replaced it under warranty.") for i in range(40)]
    docs.append(Document(id="post:zzz", dataset="demo", source_uri="https://example.org/z",
                         text="Unrelated filler about gardening. The secret code for the vault is 7481-ZEBRA. "
                              "More filler about tomatoes."))
    return docs


def _root(case: dict):
    turns = [_entry(t) for t in case["turns"]]
    forced = _entry(case.get("forced", "```repl\nFINAL('forced')\n```"))

    def respond(body: dict) -> tuple[str, str]:
        messages = body["messages"]
        if "Give your final answer now" in (messages[-1].get("content") or ""):
            return forced
        done = sum(1 for m in messages if m["role"] == "assistant")
        return turns[min(done, len(turns) - 1)]

    return respond


def run_rlm(case: dict, root: Path, server: ScriptedLLMServer) -> Outcome:
    from sro.commands.cli import app

    server.add(ROOT_MARK, _root(case))
    args = ["--workspace", str(root), "--ceo-model", "openai/replay-ceo", "--worker-model", "openai/replay-worker",
            "rlm", QUESTION, "--dataset", "demo", "--max-iterations", str(case.get("max_iterations", 6)), "--json"]
    out = CliRunner().invoke(app, args, env=_env(server) | case.get("env", {}))
    try:
        data = json.loads(out.stdout)
    except ValueError:
        data = {}
    later = [message_text(r) for r in server.requests if ROOT_MARK in message_text(r)][1:]
    return Outcome(case["name"], _rlm_checks(case["expect"], data, out.exit_code, later, server),
                   {"exit_code": out.exit_code, "answer": str(data.get("answer", out.output))[:300],
                    "stop_reason": data.get("stop_reason"), "max_prompt": max(data.get("root_prompt_tokens") or [0])})


def _rlm_checks(expect: dict, data: dict, code: int, later: list[str], server: ScriptedLLMServer) -> dict[str, bool]:
    answer = str(data.get("answer", ""))
    checks = {"exit_code": code == expect.get("exit_code", 0), "one_system_message": _one_system(server)}
    checks |= {f"answer has {s!r}": s in answer for s in expect.get("answer_contains", [])}
    checks |= {f"answer lacks {s!r}": bool(data) and s not in answer for s in expect.get("answer_excludes", [])}
    checks |= {f"{k} == {expect[k]!r}": data.get(k) == expect[k] for k in ("stop_reason", "forced", "ungrounded")
               if k in expect}
    checks |= {f"prompts lack {s!r}": not any(s in p for p in later) for s in expect.get("prompts_exclude", [])}
    checks |= {f"prompts have {s!r}": any(s in p for p in later) for s in expect.get("prompts_include", [])}
    if "max_prompt_tokens" in expect:
        sizes = [len(message_text(r)) // 4 for r in server.requests if ROOT_MARK in message_text(r)]
        limit = expect["max_prompt_tokens"]
        checks[f"prompts < {limit} tokens"] = bool(sizes) and max(sizes) < limit
    return checks


# --- sro extract -------------------------------------------------------------------------------------
def _worker(case: dict):
    first, *rest = [_entry(r) for r in case["replies"]]
    again = rest[0] if rest else first

    def respond(body: dict) -> tuple[str, str]:
        return again if REASK_MARK in (body["messages"][-1].get("content") or "") else first

    return respond


def run_worker(case: dict, root: Path, server: ScriptedLLMServer) -> Outcome:
    from sro.commands.cli import app

    server.add(r"extract knowledge-graph triples", _worker(case))
    args = ["--workspace", str(root), "--worker-model", "openai/replay-worker", "extract", "--dataset", "solar",
            "--pipeline", "solar_reddit", "--strategy", "chunks", "--json"]
    out = CliRunner().invoke(app, args, env=_env(server))
    try:
        data = json.loads(out.stdout)
    except ValueError:
        data = {}
    sent = server.count()
    CliRunner().invoke(app, args, env=_env(server))
    expect = case["expect"]
    accepted = data.get("accepted", -1)
    checks = {"exit_code": out.exit_code == expect.get("exit_code", 0), "one_system_message": _one_system(server)}
    if "accepted_min" in expect:
        checks[f"accepted >= {expect['accepted_min']}"] = accepted >= expect["accepted_min"]
    if "accepted_max" in expect:
        checks[f"accepted <= {expect['accepted_max']}"] = 0 <= accepted <= expect["accepted_max"]
    if "failed_chunks" in expect:
        checks[f"failed_chunks == {expect['failed_chunks']}"] = data.get("failed_chunks", 0) == expect["failed_chunks"]
    if "rerun_retries" in expect:
        checks[f"rerun retries == {expect['rerun_retries']}"] = (server.count() > sent) == expect["rerun_retries"]
    return Outcome(case["name"], checks, {"exit_code": out.exit_code, "accepted": accepted,
                                          "errors": data.get("errors"), "output": out.output[-300:]})


def worker_documents() -> list:
    from sro.data.models import Document

    return [Document(id="solar:p1", dataset="solar", source_uri="https://reddit.example/p1", kind="post",
                     title="Finally got PTO on our 9.6 kW system", author="sunny", text=POST)]


def prepare(root: Path, kind: str) -> None:
    from sro.workspace import Workspace

    with Workspace.open(root) as ws:
        if kind == "rlm":
            ws.datasets.add_documents("demo", demo_documents())
        else:
            ws.datasets.add_documents("solar", worker_documents())


def run_case(kind: str, case: dict, tmp: Path) -> Outcome:
    root = tmp / case["name"]
    prepare(root, kind)
    with ScriptedLLMServer() as server:
        server.default("{}")
        return (run_rlm if kind == "rlm" else run_worker)(case, root, server)


def main() -> None:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["tune", "test"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("rlm", "worker"):
            picked = cases(kind, args.split)
            outcomes = [run_case(kind, c, Path(tmp)) for c in picked]
            for o in outcomes:
                print(f"{kind:6} {'PASS' if o.ok else 'FAIL'} {o.name}: {', '.join(o.failed()) or 'ok'}")
            checks = [v for o in outcomes for v in o.checks.values()]
            print(f"{kind}: {sum(o.ok for o in outcomes)}/{len(outcomes)} cases pass, "
                  f"{sum(checks)}/{len(checks)} checks pass")


if __name__ == "__main__":
    main()
