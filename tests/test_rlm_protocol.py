"""The host trusts nothing from the child: forged, malformed, oversized or stalled traffic on the protocol
pipe (written by code that has escaped the Python layer) ends in a protocol error and a fresh child, never a
host traceback or a hang, and benign code runs afterwards."""

from __future__ import annotations

import logging
import time

import pytest

from sro.errors import SandboxError
from sro.rlm.limits import SandboxLimits
from tests.support.breach import breach_sandbox

# The protocol channel as an attacker past the Python layer finds it: the Channel object on the heap.
FORGE = """
import gc, os
channel = next(o for o in gc.get_objects() if type(o).__name__ == 'Channel')
channel.writer.write({line})
channel.writer.flush()
{after}
"""


def forge(line: bytes, after: str = "") -> str:
    return FORGE.format(line=line, after=after)


@pytest.fixture
def box():
    with breach_sandbox(timeout_s=3) as sandbox:
        yield sandbox


def _recovers(box) -> None:
    assert box.run("result = 'alive'").stdout == "alive"


@pytest.mark.parametrize("line", [
    b"not json\n",
    b"[1, 2]\n",
    b'{"t": 5}\n',
    b'{"t": "ready", "pid": 1}\n',
    b'{"t": "reply", "n": 1, "ok": true}\n',
    b'{"t": "call", "fn": 12, "args": []}\n',
    b'{"t": "call", "fn": "datasets", "args": {"a": 1}}\n',
    b'{"t": "call", "fn": "' + b"x" * 500 + b'", "args": []}\n',
    b'{"t": "done", "step": 1, "ok": "yes", "stdout": 5}\n',
    b'{"t": "done", "step": 99, "ok": true, "stdout": "stale or forged"}\n',
    b"[" * 200_000 + b"]" * 200_000 + b"\n",
    b'{"t": "call", "fn": "datasets", "args": ' + b"[" * 100 + b"]" * 100 + b"}\n",
    b'{"t": "done", "step": 1, "ok": true, "output_chars": 1' + b"0" * 5000 + b"}\n",
    b"\xff\xfe garbage \x00\n",
])
def test_forged_messages_restart_the_child(box, line):
    result = box.run(forge(line, "import time\ntime.sleep(5)"), lambda fn, args, left: 1)
    assert not result.ok and result.restarted, result
    assert "protocol" in result.error
    _recovers(box)


def test_oversized_message_is_refused_without_reading_it_all(box):
    code = FORGE.format(line="b'{\"t\": \"call\", \"args\": [\"' + b'a' * (40 << 20)", after="")
    result = box.run(code)
    assert not result.ok and result.restarted
    _recovers(box)


def test_lone_surrogates_and_huge_answers_are_cleaned_and_capped():
    limits = SandboxLimits(timeout_s=3, max_final_chars=1000)
    with breach_sandbox() as box:
        box.limits = limits
        line = b'{"t": "done", "step": 1, "ok": true, "stdout": "a\\ud800b", "final": "' + b"f" * 50_000 + b'"}\n'
        result = box.run(forge(line, "os._exit(0)"))
        assert result.ok and result.stdout == "a\ufffdb"
        assert len(result.final) < 1100 and "cut at 1,000 characters" in result.final
        after = box.run("result = 'alive'")  # the child exited after forging: one lost step, then fresh
        assert after.restarted or after.stdout == "alive"
        _recovers(box)


def test_a_child_that_stops_reading_cannot_hold_the_host():
    with breach_sandbox(timeout_s=2) as box:
        call = b'{"t": "call", "fn": "big", "args": []}\n'
        t0 = time.monotonic()
        result = box.run(forge(call, "import time\ntime.sleep(30)"), lambda fn, args, left: "x" * (8 << 20))
        assert time.monotonic() - t0 < 10
        assert not result.ok and result.restarted
        _recovers(box)


def test_missing_layers_are_said_once_and_can_be_required(caplog):
    class Partial(type(breach_sandbox())):
        layers = ("landlock", "no-such-layer")

    caplog.set_level(logging.WARNING, logger="sro.sandbox")
    for _ in range(2):
        with Partial(SandboxLimits(timeout_s=3)) as box:
            assert box.missing_layers() == {"no-such-layer": "unavailable: not reported by the child"}
    lines = [r.getMessage() for r in caplog.records if "OS isolation incomplete" in r.getMessage()]
    assert len(lines) == 1 and "no-such-layer" in lines[0]
    with pytest.raises(SandboxError, match="require_os_isolation"):
        Partial(SandboxLimits(timeout_s=3, require_os_isolation=True)).start()
