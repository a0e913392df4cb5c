"""The embedded bulk-write path: markers last, so an interrupted bulk write is repaired by re-adding."""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat

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
    target = store._store
    real_bulk_load = target.bulk_load
    loaded: list[str] = []

    class Crash(Exception):
        pass

    def crash_on_markers(text, *args, **kwargs):
        if loaded:  # the second bulk load of a batch carries the markers
            raise Crash("killed between the bulk write and the marker bulk write")
        loaded.append(text)
        return real_bulk_load(text, *args, **kwargs)

    monkeypatch.setattr(store, "_store", _Proxy(target, bulk_load=crash_on_markers))
    with pytest.raises(Crash):
        store.add_facts(_facts())
    assert "Assertion>" not in loaded[0] and "Evidence>" not in loaded[0]  # markers never go first
    monkeypatch.setattr(store, "_store", target)
    assert store.stats()["facts"] == 0  # no markers: nothing counts as stored
    res = store.add_facts(_facts())  # the resumed run writes everything again
    assert res.new_facts == len(_facts())
    clean = open_store(str(tmp_path / "clean"))
    clean.add_facts(_facts())
    assert _dump(store) == _dump(clean)


def test_marker_filter_store_reopened_after_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "BULK_MIN_QUADS", 10)
    store = open_store(str(tmp_path / "g"))
    assert store._marked is not None  # opened empty: tracks its markers
    store.add_facts(_facts()[:20])
    store.close()
    store = open_store(str(tmp_path / "g"))
    assert store._marked is None  # opened non-empty: must read the store itself
    res = store.add_facts(_facts())
    assert (res.unchanged, res.new_facts) == (20, len(_facts()) - 20)
    assert store.stats()["facts"] == len(_facts())


def test_marker_filter_sees_every_marker_written_through_the_store(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "BULK_MIN_QUADS", 10)
    src = open_store(str(tmp_path / "src"))
    src.add_facts(_facts()[:10])
    src.export("nquads", str(tmp_path / "dump.nq"))
    store = open_store(str(tmp_path / "g"))
    store.import_file(str(tmp_path / "dump.nq"))  # markers arriving by import count as stored too
    store.add_facts(_facts()[10:20])
    reads: list[int] = []
    real_existing = embedded.EmbeddedStore._existing

    def counting(self, iris, marker):
        found = real_existing(self, iris, marker)
        reads.append(len(found))
        return found

    monkeypatch.setattr(embedded.EmbeddedStore, "_existing", counting)
    res = store.add_facts(_facts())
    assert (res.unchanged, res.new_facts) == (20, len(_facts()) - 20)
    assert reads[0] == 20
    second = [fact(f"s{i}", "p", f"o{i}", doc="other", start=i, score=0.95) for i in range(5)]
    again = store.add_facts(second)  # a second source for stored facts merges, never duplicates
    assert (again.new_facts, again.new_sources) == (0, 5)
    clean = _fresh(tmp_path / "clean")
    clean.raw  # noqa: B018 - reads the store for every assertion, as before the filter existed
    clean.add_facts(second)
    assert _dump(store) == _dump(clean)
    rows = store.query("PREFIX sro: <https://sro.dev/ns#> SELECT ?n WHERE { ?a sro:sourceCount ?n }").terms
    assert sorted(int(r[0].value) for r in rows).count(2) == 5 and len(rows) == len(_facts())


def test_marker_filter_false_positives_are_read_and_new_facts_skip_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "BULK_MIN_QUADS", 10)
    store = open_store(str(tmp_path / "g"))
    store._marked = embedded.MarkedFilter(capacity=1)  # tiny: overflows at once and answers "maybe" often
    store.add_facts(_facts()[:20])
    assert store.add_facts(_facts()).new_facts == len(_facts()) - 20
    assert store.add_facts(_facts()).unchanged == len(_facts())
    assert store.stats()["facts"] == len(_facts())
    fresh = embedded.MarkedFilter()
    fresh.add("https://sro.dev/assertion/a")
    assert "https://sro.dev/assertion/a" in fresh
    assert sum(f"https://sro.dev/assertion/{i}" in fresh for i in range(10_000)) < 50  # "no" for almost all


def test_raw_access_drops_the_marker_filter(tmp_path):
    store = open_store(str(tmp_path / "g"))
    store.raw.load(_fresh(tmp_path / "other").raw.dump(format=RdfFormat.N_QUADS), RdfFormat.N_QUADS)
    assert store._marked is None  # written behind its back: the store is read instead
    assert store.add_facts(_facts()).unchanged == len(_facts())


def _fresh(path):
    s = open_store(str(path))
    s.add_facts(_facts())
    return s


class _Proxy:
    """Wraps a pyoxigraph Store, overriding some methods (Store's attributes are read-only)."""

    def __init__(self, target, **overrides):
        self._target, self._overrides = target, overrides

    def __getattr__(self, name):
        return self._overrides.get(name) or getattr(self._target, name)
