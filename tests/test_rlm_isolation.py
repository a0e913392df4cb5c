"""The OS layer alone: code that already holds the real builtins (the Python layer has fallen) still cannot
read the workspace, another session's files, the host's environment or /etc/shadow, open any socket, signal
or trace another session's child, fork, or write outside its scratch directory.

Each attack runs with all layers on, then with each layer alone that is meant to stop it, and (as a control
that the attack itself works) with no OS layer at all where the machine would otherwise allow it.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from sro.rlm.isolation import LAYERS, landlock_abi
from sro.rlm.sandbox import Sandbox
from tests.support.breach import attempt, breach_sandbox

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the OS layer is Linux-only")
ROOT = os.geteuid() == 0

ATTACKS = {
    "read_workspace": "open({workspace!r}, 'rb').read(16)",
    "read_other_scratch": "open({other_scratch!r} + '/secret.txt').read()",
    "read_host_environ": "open('/proc/{host}/environ', 'rb').read()",
    "read_shadow": "open('/etc/shadow').read()",
    "socket_loopback": "import socket\ns = socket.socket()\ns.settimeout(2)\ns.connect(('127.0.0.1', {port}))",
    "signal_other_child": "import os\nos.kill({other_pid}, 0)",
    "ptrace_other_child": ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                           "if libc.ptrace(16, {other_pid}, 0, 0) != 0:\n"
                           "    raise OSError(ctypes.get_errno(), 'ptrace')"),
    "fork": "import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)",
    "write_outside_scratch": "open({outside!r} + '/x', 'w').write('x')",
}
# The layers that each stop an attack on their own (uid only when the host is root: otherwise it is a user
# namespace of the same host uid, which does not separate files or signals - Landlock does).
ALONE = {
    "read_workspace": ["landlock"],
    "read_other_scratch": ["landlock"] + ["uid"] * ROOT,
    "read_host_environ": ["landlock"] + ["uid"] * ROOT,
    "read_shadow": ["landlock"] + ["uid"] * ROOT,
    "socket_loopback": ["seccomp", "netns", "landlock"],
    "signal_other_child": ["landlock", "seccomp"] + ["uid"] * ROOT,
    "ptrace_other_child": ["landlock", "seccomp"] + ["uid"] * ROOT,
    "fork": ["seccomp"],
    "write_outside_scratch": ["landlock"],
}
# With no OS layer these succeed on this machine (the child is still `nobody` under a root host): proof that
# the attacks are real and the tests above can fail.
CONTROLS = ["read_workspace", "socket_loopback", "write_outside_scratch", "signal_other_child"]


@pytest.fixture(scope="module")
def world():
    """A world-readable workspace file, a world-writable folder and a listening socket on the host."""
    base = Path(tempfile.mkdtemp(prefix="sro-breach-"))
    base.chmod(0o755)
    workspace = base / "sro.duckdb"
    workspace.write_bytes(b"SECRET-WORKSPACE")
    workspace.chmod(0o644)
    outside = base / "open"
    outside.mkdir()
    outside.chmod(0o777)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield {"workspace": str(workspace), "outside": str(outside), "port": listener.getsockname()[1],
           "host": os.getpid()}
    listener.close()
    for path in sorted(base.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    base.rmdir()


def _run(attack: str, layers: tuple[str, ...], world: dict) -> str:
    """Start a target child and an attacking child with `layers`; return the attacker's result."""
    with breach_sandbox(layers) as other, breach_sandbox(layers) as box:
        assert other.run("open('secret.txt', 'w').write('theirs')").ok
        os.chmod(other.scratch, os.stat(other.scratch).st_mode | stat.S_IRWXO) if not layers else None
        values = {**world, "other_scratch": other.scratch, "other_pid": other.pid}
        step = box.run(attempt(ATTACKS[attack].format(**values)))
        assert step.ok, step.error
        assert box.run("result = 'still serving'").stdout == "still serving"
        return step.stdout


def test_every_layer_is_active_on_this_machine():
    with Sandbox() as box:
        report = box.layer_report
    assert set(report) == set(LAYERS)
    assert all(state.startswith("on") for state in report.values()), report
    assert landlock_abi() >= 6, "Landlock network rules (ABI 4) and signal scoping (ABI 6) are expected here"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_all_layers_stop_the_attack(attack, world):
    assert _run(attack, LAYERS, world).startswith("blocked"), attack


@pytest.mark.parametrize("attack,layer", [(a, layer) for a, layers in sorted(ALONE.items()) for layer in layers])
def test_one_layer_alone_stops_the_attack(attack, layer, world):
    result = _run(attack, (layer,), world)
    assert result.startswith("blocked"), f"{attack} with only {layer}: {result}"


@pytest.mark.skipif(not ROOT, reason="the controls rely on a root host dropping the child to nobody")
@pytest.mark.parametrize("attack", CONTROLS)
def test_without_os_layers_the_attack_works(attack, world):
    assert _run(attack, (), world) == "BREACH", attack


def test_workspace_files_are_private(tmp_path):
    from sro.workspace import DB_FILE, Workspace

    with Workspace.open(tmp_path / "ws") as ws:
        ws.db.execute("SELECT 1")
        ws.graph  # noqa: B018 - opening creates the store
        ws.run_dir("c1")
        paths = [ws.root, ws.root / DB_FILE, ws.root / "graph", ws.root / "runs"]
        assert [oct(p.stat().st_mode & 0o077) for p in paths] == ["0o0"] * 4
