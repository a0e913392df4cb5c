"""Primitives as the model sees them: small proxies that send a request to the host and block for the reply.

They run inside the sandbox child. Nothing here touches data or models itself; only plain data crosses the
pipe (see protocol.py). Errors the host reports surface as `PrimitiveError` with the host's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from sro.rlm.guards import SandboxViolation

if TYPE_CHECKING:
    from sro.jsontypes import JSON
    from sro.rlm.runtime import Runtime

Call = Callable[..., Any]


class PrimitiveError(Exception):
    """The host could not serve a primitive call (unknown dataset, bad SQL, budget, ...)."""


class DatasetHandle:
    """`dataset(name)`: read-only access to one dataset; every method returns plain data."""

    def __init__(self, call: Call, name: str):
        self._call = call
        self.name = name

    def __repr__(self) -> str:
        return f"<dataset {self.name!r}>"

    def count(self) -> int:
        return self._call("dataset.count", self.name)

    def fields(self) -> list[str]:
        return self._call("dataset.fields", self.name)

    def describe(self) -> dict:
        return self._call("dataset.describe", self.name)

    def peek(self, n: int = 5) -> list[dict]:
        return self._call("dataset.peek", self.name, n)

    def get(self, doc_id: str) -> dict:
        return self._call("dataset.get", self.name, doc_id)

    def sample(self, n: int = 5, seed: int = 0) -> list[dict]:
        return self._call("dataset.sample", self.name, n, seed)

    def search(self, query: str, k: int = 10) -> list[dict]:
        return self._call("dataset.search", self.name, query, k)

    def grep(self, pattern: str, k: int = 10) -> list[dict]:
        return self._call("dataset.grep", self.name, pattern, k)

    def sql(self, query: str, params: list | None = None) -> list[dict]:
        return self._call("dataset.sql", self.name, query, params)


class Notes:
    """`notes`: persistent key/value research memory (per campaign), stored by the host in DuckDB."""

    sandbox_writable = True  # lets `notes[k] = v` through the write guard; writes go to the host

    def __init__(self, call: Call):
        self._call = call

    def __repr__(self) -> str:
        return f"<notes {self.keys()!r}>"

    def __getitem__(self, key: str) -> Any:
        found, value = self._call("notes.get", key)
        if not found:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: object) -> None:
        self._call("notes.set", key, value)

    def __delitem__(self, key: str) -> None:
        self._call("notes.delete", key)

    def __contains__(self, key: str) -> bool:
        return self._call("notes.get", key)[0]

    def __len__(self) -> int:
        return len(self.keys())

    def __iter__(self) -> Any:
        return iter(self.keys())

    def get(self, key: str, default: object = None) -> Any:
        found, value = self._call("notes.get", key)
        return value if found else default

    def keys(self) -> list[str]:
        return self._call("notes.keys")

    def items(self) -> list[list]:
        return [[k, self.get(k)] for k in self.keys()]


def build(call: Call, runtime: Runtime) -> dict[str, Any]:
    """The primitive namespace installed into the REPL globals."""

    def datasets() -> list[dict]:
        """Names, sizes and fields of the datasets this session may read."""
        return call("datasets")

    def dataset(name: str) -> DatasetHandle:
        call("dataset.count", name)  # fail early on unknown names
        return DatasetHandle(call, name)

    def llm_query(prompt: str, role: str = "worker") -> str:
        return call("llm_query", prompt, role)

    def llm_batch(prompts: list, role: str = "worker") -> list:
        return call("llm_batch", list(prompts), role)

    def rlm_query(task: str, context: JSON = None) -> str:
        return call("rlm_query", task, context)

    def extract_triples(items: JSON) -> dict:
        return call("extract_triples", items if isinstance(items, list) else [items])

    def SHOW_VARS() -> dict[str, str]:  # noqa: N802 - the paper's name
        return runtime.user_vars()

    def FINAL(value: object) -> None:  # noqa: N802
        answer = runtime.globals.get("answer")
        if not isinstance(answer, dict):
            answer = runtime.globals["answer"] = {}
        answer["content"], answer["ready"] = value, True

    def FINAL_VAR(name: str) -> None:  # noqa: N802
        if type(name) is not str or name.startswith("_"):
            raise SandboxViolation("FINAL_VAR takes the name of one of your variables, as a string")
        if name not in runtime.globals or name in runtime.reserved - {"answer"}:
            raise NameError(f"FINAL_VAR: no variable named {name!r}")
        FINAL(runtime.globals[name])

    return {
        "datasets": datasets, "dataset": dataset, "llm_query": llm_query, "llm_batch": llm_batch,
        "rlm_query": rlm_query, "extract_triples": extract_triples, "notes": Notes(call),
        "SHOW_VARS": SHOW_VARS, "FINAL": FINAL, "FINAL_VAR": FINAL_VAR, "PrimitiveError": PrimitiveError,
    }
