"""The sandbox child's operating-system boundary, built on the assumption that the Python layer has fallen.

Model code runs under RestrictedPython (guards.py). This module is the second, independent layer: if model
code ever holds the real `open`, `__import__` or `os`, the kernel still refuses what matters. Each layer is
applied by the child to itself, after its trusted imports and before any model code, in this order:

  netns       a new network namespace (no interfaces but a down loopback): no network at all.
  uid         as root: a uid of its own (UID_BASE + pid) so sessions cannot signal or read each other;
              otherwise a new user namespace (no capabilities over anything outside it).
  pdeathsig   SIGKILL when the host dies, so a child never outlives its host.
  landlock    filesystem: read the Python installation, read/write the session's scratch directory,
              nothing else (no workspace, no /proc, no /etc, no other scratch); network: no TCP bind or
              connect (ABI 4); scopes: no signals to and no abstract sockets of processes outside its own
              domain (ABI 6). Landlock also refuses ptrace of any process outside the domain.
  seccomp     no sockets, no new processes or programs, no namespaces or mounts, no ptrace or
              cross-process memory access, no signals except to itself, no kernel attack surface it does
              not need (bpf, io_uring, perf, keys, userfaultfd). Also sets no_new_privs.
  rlimits     (child.py) address space, CPU, file size, open files, no processes.

`apply` returns {layer: "on" | "unavailable: why"}; the host reports missing layers once and can refuse to
run without them (`sandbox.require_os_isolation`). Nothing here is reachable from model code: it runs before
the REPL exists and the module is not importable from the sandbox.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import sys
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from types import ModuleType

LAYERS = ("netns", "uid", "pdeathsig", "landlock", "seccomp")
UID_BASE = 100_000  # per-session uids UID_BASE + pid: above every system and login account
NOBODY = 65534

_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
# Landlock syscalls have the same numbers on every architecture (they were added after the unification).
_LL_CREATE, _LL_ADD_RULE, _LL_RESTRICT = 444, 445, 446
_LL_RULE_PATH, _LL_VERSION_FLAG = 1, 1
_FS_EXECUTE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
_FS_ABI1 = (1 << 13) - 1  # execute .. make_sym: every right of ABI 1
_FS_BY_ABI = {2: 1 << 13, 3: 1 << 14, 5: 1 << 15}  # refer, truncate, ioctl_dev
_NET_BIND_CONNECT_TCP = 0b11
_SCOPE_ABSTRACT_UNIX_AND_SIGNAL = 0b11

# Denied with EPERM (ENOSYS for clone3, so libc falls back to clone, which is also denied).
DENIED_SYSCALLS = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",  # network and local sockets
    "fork", "vfork", "clone", "execve", "execveat",  # new processes and programs
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsmount", "fsconfig", "fspick",  # namespaces and mounts
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd", "pidfd_send_signal",
    "kcmp",  # other processes
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at", "personality",
    "rt_sigqueueinfo", "rt_tgsigqueueinfo",  # kernel surface no REPL needs
)
SELF_ONLY_SIGNALS = ("kill", "tkill", "tgkill")  # first argument must be the child's own pid


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # the kernel struct is packed: u64 allowed_access, s32 parent_fd
    _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]


_libc: ctypes.CDLL | None = None


def _c() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is missing or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    result = _c().syscall(_LL_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(_LL_VERSION_FLAG))
    return max(int(result), 0)


def _landlock(read_paths: list[str], write_paths: list[str]) -> str:
    abi = landlock_abi()
    if abi < 1:
        return "unavailable: Landlock is not enabled in this kernel (Linux >= 5.13 with lsm=landlock)"
    fs = _FS_ABI1 | sum(bit for need, bit in _FS_BY_ABI.items() if abi >= need)
    attr = _RulesetAttr(fs, _NET_BIND_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_AND_SIGNAL if abi >= 6 else 0)
    size = ctypes.sizeof(ctypes.c_uint64) * (3 if abi >= 6 else 2 if abi >= 4 else 1)
    ruleset = _check(_c().syscall(_LL_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
                     "landlock_create_ruleset")
    try:
        read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
        for paths, rights in ((read_paths, read), (write_paths, fs)):
            for path in paths:
                _allow(ruleset, path, rights)
        _check(_c().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(_c().syscall(_LL_RESTRICT, ruleset, ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    missing = [what for need, what in ((4, "network rules"), (6, "signal scoping")) if abi < need]
    return f"on (ABI {abi}{'; without ' + ', '.join(missing) if missing else ''})"


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # an optional path (zoneinfo) that this system does not have
    try:
        if not os.path.isdir(path):  # a file rule may only carry file rights
            rights &= _FS_EXECUTE | _FS_READ_FILE | (1 << 1) | (1 << 14) | (1 << 15)
        rule = _PathBeneath(rights, fd)
        _check(_c().syscall(_LL_ADD_RULE, ruleset, ctypes.c_int(_LL_RULE_PATH), ctypes.byref(rule),
                            ctypes.c_uint32(0)), f"landlock_add_rule {path}")
    finally:
        os.close(fd)


def _load_seccomp() -> Any:
    """pyseccomp, imported while the interpreter's files are still readable; or why it is missing."""
    try:
        import ctypes.util

        # pyseccomp locates libc and libseccomp with find_library, which spawns `ldconfig -p` (tens of ms at
        # every sandbox start); the sonames are fixed on Linux, so answer it directly for this import.
        real, ctypes.util.find_library = ctypes.util.find_library, _sonames
        try:
            import pyseccomp
        finally:
            ctypes.util.find_library = real
        return pyseccomp
    except (ImportError, OSError) as exc:
        return f"unavailable: libseccomp or pyseccomp is missing ({exc})"


def _seccomp(pyseccomp: ModuleType | str) -> str:
    if isinstance(pyseccomp, str):
        return pyseccomp
    me = os.getpid()
    flt = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        _deny(flt, pyseccomp.ERRNO(errno.EPERM), name)
    _deny(flt, pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    for name in SELF_ONLY_SIGNALS:
        _deny(flt, pyseccomp.ERRNO(errno.EPERM), name, pyseccomp.Arg(0, pyseccomp.NE, me))
    flt.load()  # libseccomp sets no_new_privs first
    return "on"


def _deny(flt: object, action: int, name: str, *args: object) -> None:
    try:
        flt.add_rule(action, name, *args)  # type: ignore[attr-defined]
    except (OSError, ValueError, RuntimeError):
        pass  # a syscall this architecture does not have (e.g. fork on arm64)


def _sonames(name: str) -> str | None:
    return {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}.get(name)


def _unshare(flags: int) -> None:
    _check(_c().unshare(ctypes.c_int(flags)), "unshare")


def _namespaces(layers: tuple[str, ...], scratch: str) -> dict[str, str]:
    """As root: a network namespace, then a uid of the child's own. Otherwise one user namespace (which an
    unprivileged process needs to create a network namespace) with the network namespace inside it."""
    out: dict[str, str] = {}
    if os.geteuid() != 0:
        try:
            _unshare(_CLONE_NEWUSER | (_CLONE_NEWNET if "netns" in layers else 0))
            state = "on (user namespace)"
        except OSError as exc:
            state = f"unavailable: unprivileged user namespaces are disabled ({exc.strerror})"
        return {name: state for name in ("netns", "uid") if name in layers}
    if "netns" in layers:
        try:
            _unshare(_CLONE_NEWNET)
            out["netns"] = "on"
        except OSError as exc:
            out["netns"] = f"unavailable: {exc.strerror}"
    uid = UID_BASE + os.getpid() if "uid" in layers else NOBODY
    os.chown(scratch, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)  # root is never kept: RLIMIT_NPROC does not bind root
    if "uid" in layers:
        out["uid"] = f"on (uid {uid})"
    return out


def _pdeathsig(host_pid: int) -> str:
    _check(_c().prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0), "pdeathsig")
    if os.getppid() != host_pid:  # the host died before the signal was armed
        os._exit(0)
    return "on"


def apply(layers: tuple[str, ...], scratch: str, read_paths: list[str], host_pid: int) -> dict[str, str]:
    """Apply the named layers to this process; returns each layer's state. Order matters (see module doc)."""
    if not sys.platform.startswith("linux"):
        return {name: f"unavailable: {sys.platform} has no {name}" for name in layers}
    report = dict.fromkeys(LAYERS, "off (not requested)")
    seccomp = _load_seccomp() if "seccomp" in layers else None  # before the uid changes: files still readable
    report.update(_namespaces(layers, scratch))
    steps: dict[str, Callable[[], str]] = {
        "pdeathsig": lambda: _pdeathsig(host_pid),
        "landlock": lambda: _landlock(read_paths, [scratch]),
        "seccomp": lambda: _seccomp(seccomp),
    }
    for name, step in steps.items():
        if name in layers:
            try:
                report[name] = step()
            except OSError as exc:
                report[name] = f"unavailable: {exc}"
    return report
