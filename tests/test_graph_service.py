"""SPARQL SERVICE (federated query) is refused in every query path unless the user enables it."""

from __future__ import annotations

import socket
import threading

import pytest

from graph_store import GraphStoreError, QueryRefused, open_store
from sro.workspace import Workspace

FEDERATED = "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"


@pytest.fixture
def listener():
    """A loopback port that counts connection attempts (an outbound request would land here)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(0.2)
    yield sock
    sock.close()


def _connections(sock: socket.socket) -> int:
    count = 0
    try:
        while True:
            sock.accept()[0].close()
            count += 1
    except OSError:
        return count


@pytest.mark.parametrize("query", [
    FEDERATED,
    "select * where {{ service <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}",
])
def test_service_is_refused_before_any_request(tmp_path, listener, query):
    with Workspace.open(tmp_path / "ws") as ws:
        with pytest.raises(QueryRefused, match="sparql_service = true"):
            ws.graph.query(query.format(port=listener.getsockname()[1]))
    assert _connections(listener) == 0


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT ?service WHERE { ?service ?p ?o } # SERVICE in a comment",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:SERVICE ?o }",
    "SELECT * WHERE { <http://e/SERVICE> ?p ?o }",
])
def test_the_word_elsewhere_is_not_a_service_clause(query):
    assert open_store(None).query(query).rows == []


def test_service_runs_when_enabled(tmp_path, listener):
    seen = []

    def hang_up() -> None:  # answer the engine's request by closing the connection: a quick, clean failure
        listener.settimeout(10)
        conn, _ = listener.accept()
        seen.append(conn.recv(200))
        conn.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    with Workspace.open(tmp_path / "ws", {"sparql_service": True}) as ws:
        with pytest.raises(GraphStoreError) as err:
            ws.graph.query(FEDERATED.format(port=listener.getsockname()[1]))
        assert not isinstance(err.value, QueryRefused)
    thread.join()
    assert seen and seen[0].startswith(b"POST") or seen[0].startswith(b"GET"), "enabled, the engine goes out"
