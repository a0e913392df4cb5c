"""RestrictedPython guards for model-written code (runs inside the sandbox child only).

RestrictedPython rewrites `a.b` into `_getattr_(a, "b")`, `a[b]` into `_getitem_(a, b)`, `a.b = c` and
`a[b] = c` into `_write_(a).b = c`, `n += 1` into `n = _inplacevar_("+=", n, 1)`, `for x in y` into
`_getiter_(y)` and `print` into `_print_`. This module supplies those hooks plus the builtins and the import
allowlist. Every refusal raises `SandboxViolation` with a message the root model can act on.

The guards are one layer; the child process (no secrets in its environment, resource limits, no new
processes, disposable) is the other.
"""

from __future__ import annotations

import builtins
import importlib
import operator
import sys
import types
from typing import Any, Callable

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

# Pure modules with no file, process or interpreter access. Not `string` (string.Formatter reaches object
# internals), not `operator` (attrgetter/methodcaller bypass _getattr_), not `sys`/`os`/`io`/`importlib`.
ALLOWED_MODULES = frozenset({
    "math", "re", "json", "statistics", "collections", "collections.abc", "itertools", "functools",
    "datetime", "random", "textwrap", "heapq", "bisect", "unicodedata", "difflib", "fractions", "time",
})
# Modules C code imports at run time through the *calling frame's* __import__ (ours): datetime.strftime
# imports time, datetime.strptime imports _strptime. Model code cannot name `_strptime` (compile error), so
# granting these preloaded modules here does not hand them to it.
INTERNAL_IMPORTS = frozenset({"time", "_strptime"})

# Containers model code may write to with `x[k] = v` / `x.a = v`. Instances of these reachable from allowed
# modules at import time are recorded in _PROTECTED and stay read-only.
WRITABLE_TYPES: tuple[type, ...] = (dict, list, set)
_PROTECTED: set[int] = set()


class SandboxViolation(Exception):
    """Model code tried something the sandbox does not allow."""


def _register_writable() -> None:
    import collections

    global WRITABLE_TYPES
    WRITABLE_TYPES = (dict, list, set, collections.Counter, collections.defaultdict,
                      collections.OrderedDict, collections.deque)


_register_writable()


def _protect_module(module: types.ModuleType) -> None:
    for name in dir(module):
        value = getattr(module, name, None)
        if type(value) in WRITABLE_TYPES:
            _PROTECTED.add(id(value))


def _check_module(value: Any) -> Any:
    if isinstance(value, types.ModuleType) and value.__name__ not in ALLOWED_MODULES:
        raise SandboxViolation(f"module {value.__name__!r} is not available in the sandbox")
    return value


_MISSING = object()


def guarded_getattr(obj: Any, name: Any, default: Any = _MISSING) -> Any:
    """`getattr` for model code: str names only, no private/dunder names, no frame or format leaks."""
    if type(name) is not str:
        raise TypeError(f"attribute name must be a str, not {type(name).__name__}")
    if name.startswith("_"):
        raise SandboxViolation(f"attribute {name!r} is not allowed: names starting with '_' are private")
    if name in INSPECT_ATTRIBUTES:
        raise SandboxViolation(f"attribute {name!r} is not allowed: it exposes interpreter internals")
    if name in ("format", "format_map") and (
        isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str))
    ):
        raise SandboxViolation("str.format/format_map are not available (they can reach object "
                               "internals); use f-strings or the % operator")
    _check_module(obj)
    try:
        value = getattr(obj, name)
    except AttributeError:
        if default is _MISSING:
            raise
        return default
    return _check_module(value)


def guarded_hasattr(obj: Any, name: Any) -> bool:
    try:
        guarded_getattr(obj, name)
    except (AttributeError, SandboxViolation):
        return False
    return True


def guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def guarded_getiter(obj: Any) -> Any:
    return iter(obj)


class _ReadOnly:
    """What `_write_` hands back for objects model code may not modify."""

    __slots__ = ("_target",)

    def __init__(self, target: Any):
        object.__setattr__(self, "_target", target)

    def _refuse(self, what: str) -> None:
        target = object.__getattribute__(self, "_target")
        kind = f"module {target.__name__!r}" if isinstance(target, types.ModuleType) else type(target).__name__
        raise SandboxViolation(
            f"cannot {what} of {kind}: the sandbox only allows writes to dicts, lists and sets it created"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        self._refuse(f"set attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        self._refuse(f"delete attribute {name!r}")

    def __setitem__(self, key: Any, value: Any) -> None:
        self._refuse("assign an item")

    def __delitem__(self, key: Any) -> None:
        self._refuse("delete an item")


def guarded_write(obj: Any) -> Any:
    if type(obj) in WRITABLE_TYPES and id(obj) not in _PROTECTED:
        return obj
    if getattr(type(obj), "sandbox_writable", False) is True:  # the child's own proxies (notes)
        return obj
    return _ReadOnly(obj)


def guarded_setattr(obj: Any, name: str, value: Any) -> None:
    setattr(guarded_write(obj), name, value)


def guarded_delattr(obj: Any, name: str) -> None:
    delattr(guarded_write(obj), name)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
    "@=": operator.imatmul,
}
_BINARY = {"+=": operator.add, "|=": operator.or_, "-=": operator.sub, "&=": operator.and_,
           "^=": operator.xor, "*=": operator.mul}


def guarded_inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise SandboxViolation(f"operator {op} is not allowed")
    if id(x) in _PROTECTED and op in _BINARY:  # never mutate a module's container in place
        return _BINARY[op](x, y)
    return _INPLACE[op](x, y)


def guarded_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0):
    if level != 0:
        raise SandboxViolation("relative imports are not allowed in the sandbox")
    if name in INTERNAL_IMPORTS and name in sys.modules:
        return sys.modules[name]
    if name not in ALLOWED_MODULES:
        allowed = ", ".join(sorted(ALLOWED_MODULES))
        raise SandboxViolation(f"import of {name!r} is not allowed in the sandbox; allowed: {allowed}")
    module = importlib.import_module(name)
    _protect_module(module)
    for item in fromlist or ():
        if type(item) is not str or item.startswith("_") or item == "*":
            raise SandboxViolation(f"cannot import {item!r} from {name}")
        _check_module(getattr(module, item, None))
    return module if fromlist or "." not in name else importlib.import_module(name.partition(".")[0])


def _unavailable(name: str, hint: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise SandboxViolation(f"{name}() is not available in the sandbox; {hint}")

    refuse.__name__ = refuse.__qualname__ = name
    return refuse


def _one_arg_type(obj: Any) -> type:
    """`type(x)` only: the three-argument form, and `type(some_class)` (which returns `type` itself and so the
    three-argument form), would build classes outside the guards."""
    if isinstance(obj, type):
        raise SandboxViolation("type() of a class is not available (classes cannot be built in the sandbox)")
    return type(obj)


def _safe_dir(obj: Any = _MISSING) -> list[str]:
    if obj is _MISSING:
        raise SandboxViolation("dir() without an argument is not available; use SHOW_VARS()")
    return [n for n in dir(obj) if not n.startswith("_")]


def _no_classes(*args: Any, **kwargs: Any) -> Any:
    raise SandboxViolation("class definitions are not supported in the sandbox; use dicts and functions")


_SAFE_BUILTIN_NAMES = (
    "None False True Ellipsis abs all any ascii bin bool bytes callable chr complex dict divmod enumerate "
    "filter float frozenset hash hex id int isinstance issubclass iter len list map max min next oct ord pow "
    "range repr reversed round set slice sorted str sum tuple zip format "
).split()

_EXCEPTIONS = [n for n in dir(builtins) if n.endswith(("Error", "Exception", "Warning"))] + [
    "StopIteration", "KeyboardInterrupt", "GeneratorExit", "SystemExit",
]


def safe_builtins() -> dict[str, Any]:
    table: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}
    table["__build_class__"] = builtins.__build_class__  # so `class` reaches __metaclass__'s clear refusal
    table.update({name: getattr(builtins, name) for name in _EXCEPTIONS if hasattr(builtins, name)})
    table.pop("BaseExceptionGroup", None)  # except* is refused at compile time; keep the types away too
    table.pop("ExceptionGroup", None)
    table.update(
        __import__=guarded_import, getattr=guarded_getattr, hasattr=guarded_hasattr,
        setattr=guarded_setattr, delattr=guarded_delattr, type=_one_arg_type, dir=_safe_dir,
        SandboxViolation=SandboxViolation,
        open=_unavailable("open", "read data through dataset(...) and its methods"),
        compile=_unavailable("compile", "write the code directly"),
        eval=_unavailable("eval", "write the code directly"),
        exec=_unavailable("exec", "write the code directly"),
        input=_unavailable("input", "there is no user at the console"),
        globals=_unavailable("globals", "use SHOW_VARS()"),
        locals=_unavailable("locals", "use SHOW_VARS()"),
        vars=_unavailable("vars", "use SHOW_VARS()"),
        breakpoint=_unavailable("breakpoint", "print what you need"),
        memoryview=_unavailable("memoryview", "use bytes"),
    )
    return table


def guard_globals() -> dict[str, Any]:
    """The hook names RestrictedPython's rewritten code calls."""
    return {
        "__builtins__": safe_builtins(),
        "__metaclass__": _no_classes,
        "__name__": "sandbox",
        "_getattr_": guarded_getattr,
        "_getitem_": guarded_getitem,
        "_getiter_": guarded_getiter,
        "_write_": guarded_write,
        "_inplacevar_": guarded_inplacevar,
        "_apply_": lambda f, *a, **kw: f(*a, **kw),
        "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    }
