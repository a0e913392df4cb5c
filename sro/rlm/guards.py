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

# THE RULES, in one place. Model code is hostile; each rule closes a way out that has been used.
#
# 1. Modules are never handed over whole. `import m` gives a fresh module object holding only the names in
#    MODULE_API[m]: anything that takes attribute names from the caller and reads or writes them with the
#    real getattr/setattr (functools.update_wrapper, wraps, total_ordering, singledispatch, cached_property,
#    operator.attrgetter/methodcaller, copyreg) or formats with field access on any object
#    (collections.UserString, string.Formatter) is simply absent, as are a module's own imports
#    (re.copyreg, fractions.sys, statistics.sys, json.decoder ...). `operator`, `string`, `sys`, `os`, `io`,
#    `importlib` are not importable at all.
# 2. Attribute names: str only, no `_`-prefixed names, no frame/code/generator internals (INSPECT_ATTRIBUTES),
#    no `mro` (reaches `object`), no str.format/format_map (field access: "{0.__class__}"). The same rules
#    apply to reads (getattr, hasattr, `a.b`) and to writes (setattr, delattr, `a.b = c`), and writes to the
#    attributes of modules, classes and functions are refused outright.
# 3. Writes (`x[k] = v`, `x.a = v`, `del`, augmented assignment) reach only the session's own plain dict,
#    list and set (and the dict/deque kinds of rule 1's collections, which model code builds for counting),
#    never a container that belongs to a module.
# 4. A value that is a frame, code object or traceback is never returned (whatever attribute led to it).
# 5. Builtins are a fixed table (safe_builtins): no open, eval, exec, compile, globals, vars, memoryview,
#    three-argument type, object, super.
MODULE_API: dict[str, frozenset[str]] = {name: frozenset(names.split()) for name, names in {
    "math": " ".join(n for n in dir(__import__("math")) if not n.startswith("_")),  # numbers only
    "re": "A ASCII DOTALL I IGNORECASE M MULTILINE NOFLAG S U UNICODE VERBOSE X Match Pattern compile error "
          "escape findall finditer fullmatch match purge search split sub subn",
    "json": "JSONDecodeError dumps loads",
    "statistics": "NormalDist StatisticsError correlation covariance fmean geometric_mean harmonic_mean "
                  "linear_regression mean median median_grouped median_high median_low mode multimode pstdev "
                  "pvariance quantiles stdev variance",
    "collections": "ChainMap Counter OrderedDict abc defaultdict deque namedtuple",
    "collections.abc": "Callable Collection Container Hashable Iterable Iterator Mapping MutableMapping "
                       "MutableSequence MutableSet Sequence Set Sized",
    "itertools": "accumulate chain combinations combinations_with_replacement compress count cycle dropwhile "
                 "filterfalse groupby islice pairwise permutations product repeat starmap takewhile tee "
                 "zip_longest",
    "functools": "cache cmp_to_key lru_cache partial reduce",
    "datetime": "MAXYEAR MINYEAR UTC date datetime time timedelta timezone",
    "random": "Random choice choices expovariate gauss getrandbits lognormvariate normalvariate randint random "
              "randrange sample seed shuffle triangular uniform",
    "textwrap": "dedent fill indent shorten wrap",
    "heapq": "heapify heappop heappush heappushpop heapreplace merge nlargest nsmallest",
    "bisect": "bisect bisect_left bisect_right insort insort_left insort_right",
    "unicodedata": "bidirectional category combining decimal decomposition digit east_asian_width "
                   "is_normalized lookup mirrored name normalize numeric unidata_version",
    "difflib": "SequenceMatcher context_diff get_close_matches ndiff unified_diff",
    "fractions": "Fraction",
    "time": "asctime ctime gmtime localtime mktime monotonic perf_counter sleep strftime strptime struct_time "
            "time time_ns timezone",
}.items()}
ALLOWED_MODULES = frozenset(MODULE_API)
# Modules C code imports at run time through the *calling frame's* __import__ (ours): datetime.strptime
# imports _strptime and needs its private names. Model code cannot name `_strptime` (compile error).
INTERNAL_IMPORTS = frozenset({"_strptime"})
REFUSED_ATTRIBUTES = frozenset({"mro", "format", "format_map"}) | frozenset(INSPECT_ATTRIBUTES)

# Containers model code may write to with `x[k] = v`. Instances reachable from the modules' APIs are
# recorded in _PROTECTED and stay read-only.
WRITABLE_TYPES: tuple[type, ...] = (dict, list, set)
_PROTECTED: set[int] = set()
_VIEWS: dict[str, types.ModuleType] = {}


class SandboxViolation(Exception):
    """Model code tried something the sandbox does not allow."""


def _register_writable() -> None:
    import collections

    global WRITABLE_TYPES
    WRITABLE_TYPES = (dict, list, set, collections.Counter, collections.defaultdict,
                      collections.OrderedDict, collections.deque)


_register_writable()


def module_view(name: str) -> types.ModuleType:
    """The module as model code sees it: a new module object with only MODULE_API[name] in it."""
    view = _VIEWS.get(name)
    if view is None:
        real = importlib.import_module(name)
        view = types.ModuleType(name)
        view.__getattr__ = _absent(name)  # type: ignore[attr-defined]  # PEP 562: a clear message
        for attr in sorted(MODULE_API[name]):
            value = module_view(f"{name}.{attr}") if f"{name}.{attr}" in MODULE_API else getattr(real, attr)
            setattr(view, attr, value)
            if type(value) in WRITABLE_TYPES:
                _PROTECTED.add(id(value))
        _VIEWS[name] = view
    return view


def _absent(module: str) -> Callable[[str], Any]:
    def missing(name: str) -> Any:
        raise AttributeError(f"{module}.{name} is not available in the sandbox; available: "
                             f"{', '.join(sorted(MODULE_API[module]))}")

    return missing


def _check_module(value: object) -> Any:
    if isinstance(value, types.ModuleType) and _VIEWS.get(value.__name__) is not value:
        raise SandboxViolation(f"module {value.__name__!r} is not available in the sandbox")
    return value


def _check_name(name: object) -> str:
    if type(name) is not str:
        raise TypeError(f"attribute name must be a str, not {type(name).__name__}")
    if name.startswith("_"):
        raise SandboxViolation(f"attribute {name!r} is not allowed: names starting with '_' are private")
    if name in REFUSED_ATTRIBUTES:
        hint = "; use f-strings or the % operator" if name.startswith("format") else ""
        raise SandboxViolation(f"attribute {name!r} is not allowed: it exposes interpreter internals{hint}")
    return name


_INTERNALS = (types.FrameType, types.CodeType, types.TracebackType)


_MISSING = object()


def guarded_getattr(obj: object, name: object, default: object = _MISSING) -> Any:
    """`getattr` for model code (rules 1, 2 and 4)."""
    _check_name(name)
    _check_module(obj)
    try:
        value = getattr(obj, name)
    except AttributeError:
        if default is _MISSING:
            raise
        return default
    if isinstance(value, _INTERNALS):
        raise SandboxViolation(f"attribute {name!r} is not allowed: it exposes interpreter internals")
    return _check_module(value)


def guarded_hasattr(obj: object, name: object) -> bool:
    try:
        guarded_getattr(obj, name)
    except (AttributeError, SandboxViolation):
        return False
    return True


def guarded_getitem(obj: object, key: object) -> Any:
    return obj[key]


def guarded_getiter(obj: object) -> Any:
    return iter(obj)


class _ReadOnly:
    """What `_write_` hands back for objects model code may not modify."""

    __slots__ = ("_target",)

    def __init__(self, target: object):
        object.__setattr__(self, "_target", target)

    def _refuse(self, what: str) -> None:
        target = object.__getattribute__(self, "_target")
        kind = f"module {target.__name__!r}" if isinstance(target, types.ModuleType) else type(target).__name__
        raise SandboxViolation(
            f"cannot {what} of {kind}: the sandbox only allows writes to dicts, lists and sets it created"
        )

    def __setattr__(self, name: str, value: object) -> None:
        self._refuse(f"set attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        self._refuse(f"delete attribute {name!r}")

    def __setitem__(self, key: object, value: object) -> None:
        self._refuse("assign an item")

    def __delitem__(self, key: object) -> None:
        self._refuse("delete an item")


class _ItemsOnly(_ReadOnly):
    """Counter, defaultdict, OrderedDict, deque: items may be assigned, attributes (default_factory, an
    instance __dict__) never."""

    __slots__ = ()

    def __setitem__(self, key: object, value: object) -> None:
        object.__getattribute__(self, "_target")[key] = value

    def __delitem__(self, key: object) -> None:
        del object.__getattribute__(self, "_target")[key]


def guarded_write(obj: object) -> Any:
    if type(obj) in WRITABLE_TYPES and id(obj) not in _PROTECTED:
        return obj if type(obj) in (dict, list, set) else _ItemsOnly(obj)
    if getattr(type(obj), "sandbox_writable", False) is True:  # the child's own proxies (notes)
        return obj
    return _ReadOnly(obj)


_NO_ATTRIBUTE_WRITES = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def _attribute_target(obj: object, name: object, what: str) -> Any:
    """Rule 2 for writes: the same name rules as reads, and never an attribute of a module/class/function."""
    _check_name(name)
    if isinstance(obj, _NO_ATTRIBUTE_WRITES) or callable(obj) and not hasattr(type(obj), "sandbox_writable"):
        kind = f"module {obj.__name__!r}" if isinstance(obj, types.ModuleType) else type(obj).__name__
        raise SandboxViolation(f"cannot {what} attribute {name!r} of {kind}: modules, classes and functions "
                               "are read-only in the sandbox")
    return guarded_write(obj)


def guarded_setattr(obj: object, name: object, value: object) -> None:
    setattr(_attribute_target(obj, name, "set"), name, value)


def guarded_delattr(obj: object, name: object) -> None:
    delattr(_attribute_target(obj, name, "delete"), name)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
    "@=": operator.imatmul,
}
_BINARY = {"+=": operator.add, "|=": operator.or_, "-=": operator.sub, "&=": operator.and_,
           "^=": operator.xor, "*=": operator.mul}


def guarded_inplacevar(op: str, x: object, y: object) -> Any:
    if op not in _INPLACE:
        raise SandboxViolation(f"operator {op} is not allowed")
    if id(x) in _PROTECTED and op in _BINARY:  # never mutate a module's container in place
        return _BINARY[op](x, y)
    return _INPLACE[op](x, y)


def guarded_import(name: str, globals: object = None, locals: object = None, fromlist: object = (), level: int = 0):
    if level != 0:
        raise SandboxViolation("relative imports are not allowed in the sandbox")
    if name in INTERNAL_IMPORTS and name in sys.modules:
        return sys.modules[name]
    if name not in ALLOWED_MODULES:
        allowed = ", ".join(sorted(ALLOWED_MODULES))
        raise SandboxViolation(f"import of {name!r} is not allowed in the sandbox; allowed: {allowed}")
    for item in fromlist or ():
        if type(item) is not str or item.startswith("_") or item == "*":
            raise SandboxViolation(f"cannot import {item!r} from {name}")
        if item not in MODULE_API[name]:
            raise SandboxViolation(f"{name}.{item} is not available in the sandbox; available: "
                                   f"{', '.join(sorted(MODULE_API[name]))}")
    return module_view(name if fromlist or "." not in name else name.partition(".")[0])


def _unavailable(name: str, hint: str) -> Callable[..., Any]:
    def refuse(*args: object, **kwargs: object) -> Any:
        raise SandboxViolation(f"{name}() is not available in the sandbox; {hint}")

    refuse.__name__ = refuse.__qualname__ = name
    return refuse


def _one_arg_type(obj: object) -> type:
    """`type(x)` only: the three-argument form, and `type(some_class)` (which returns `type` itself and so the
    three-argument form), would build classes outside the guards."""
    if isinstance(obj, type):
        raise SandboxViolation("type() of a class is not available (classes cannot be built in the sandbox)")
    return type(obj)


def _safe_dir(obj: object = _MISSING) -> list[str]:
    if obj is _MISSING:
        raise SandboxViolation("dir() without an argument is not available; use SHOW_VARS()")
    return [n for n in dir(obj) if not n.startswith("_")]


def _no_classes(*args: object, **kwargs: object) -> Any:
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
