"""Test-only: a sandbox whose child runs code with the real builtins, as if the Python layer had fallen.

Never reachable from the CLI or from model code: the child only does this when the host starts it with the
`breach-test` marker, and only this test helper does. `layers` narrows the OS layers to test one alone.
"""

from __future__ import annotations

from sro.rlm.child import BREACH
from sro.rlm.isolation import LAYERS
from sro.rlm.limits import SandboxLimits
from sro.rlm.sandbox import Sandbox


def breach_sandbox(layers: tuple[str, ...] = LAYERS, timeout_s: float = 10) -> Sandbox:
    class Breached(Sandbox):
        pass

    Breached.layers, Breached.child_extra = layers, (BREACH,)
    return Breached(SandboxLimits(timeout_s=timeout_s))


ATTEMPT = """
import errno
try:
{body}
    result = "BREACH"
except OSError as exc:
    result = "blocked " + errno.errorcode.get(exc.errno, str(exc.errno))
"""


def attempt(body: str) -> str:
    """Code that sets `result` to BREACH when `body` ran, else to the errno that stopped it."""
    return ATTEMPT.format(body="\n".join("    " + line for line in body.strip().splitlines()))
