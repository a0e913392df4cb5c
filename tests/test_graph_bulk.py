"""The embedded bulk-write path: markers last, so an interrupted bulk write is repaired by re-adding."""

from __future__ import annotations

import pytest

import graph_store.embedded as embedded
from graph_store import open_store
from tests.support.graph_fixtures import fact, sample_facts


def _facts():
    return sample_facts() + [fact(f"s{i}", "p", f"o{i}", doc=f"d{i % 3}", start=i) for i in range(30)]


def _dump(store) -> set[str]:
    return {str(q) for q in store.iter_quads()}


def test_bulk_path_matches_transactional_path(tmp_path, monkeypatch):
    small = open_store(str(tmp_path / "small"))
    small.add_facts(_facts())
    monkeypatch.setattr(embedded, "BULK_MIN_QUADS", 10)
    bulk = open_store(str(tmp_path / "bulk"))
    res = bulk.add_facts(_facts())
    assert res.new_facts == len(_facts())
    assert _dump(bulk) == _dump(small)
    assert bulk.add_facts(_facts()).unchanged == len(_facts())


def test_interrupted_bulk_write_is_repaired_by_readding(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "BULK_MIN_QUADS", 10)
    store = open_store(str(tmp_path / "g"))
    real_load = store.raw.load

    class Crash(Exception):
        pass

    def crash_on_markers(*args, **kwargs):
        raise Crash("killed between the bulk write and the marker transaction")

    monkeypatch.setattr(store, "_store", _Proxy(store.raw, load=crash_on_markers))
    with pytest.raises(Crash):
        store.add_facts(_facts())
    monkeypatch.setattr(store, "_store", _Proxy(store.raw._target, load=real_load))
    assert store.stats()["facts"] == 0  # no markers: nothing counts as stored
    res = store.add_facts(_facts())  # the resumed run writes everything again
    assert res.new_facts == len(_facts())
    clean = open_store(str(tmp_path / "clean"))
    clean.add_facts(_facts())
    assert _dump(store) == _dump(clean)


class _Proxy:
    """Wraps a pyoxigraph Store, overriding some methods (Store's attributes are read-only)."""

    def __init__(self, target, **overrides):
        self._target, self._overrides = target, overrides

    def __getattr__(self, name):
        return self._overrides.get(name) or getattr(self._target, name)
