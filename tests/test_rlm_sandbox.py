"""The sandbox against hostile code: every attempt fails with a readable error and the next step works."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sro.rlm.isolation import UID_BASE
from sro.rlm.limits import SandboxLimits
from sro.rlm.sandbox import Sandbox


@pytest.fixture(scope="module")
def sb():
    with Sandbox(SandboxLimits(timeout_s=3, memory_mb=512)) as box:
        yield box


def refused(sb: Sandbox, code: str, *needles: str) -> str:
    result = sb.run(code)
    assert not result.ok, f"{code!r} was allowed: {result.stdout!r}"
    assert result.error and all(n in result.error for n in needles), result.error
    after = sb.run("print(6 * 7)")
    assert after.ok and after.stdout == "42\n", "the next step must work"
    return result.error


def test_variables_persist_and_last_expression_is_echoed(sb):
    assert sb.run("notes_count = 3\nwords = ['a', 'b']").ok
    result = sb.run("words.append('c')\nlen(words) + notes_count")
    assert result.ok and result.stdout == "6\n"


@pytest.mark.parametrize("code", [
    "().__class__.__bases__[0].__subclasses__()",
    "x = ().__class__",
    "(lambda: 1).__globals__",
    "__builtins__",
    "print.__self__",
    "[].__class__.__mro__",
    "__import__('os')",
])
def test_dunder_walks_are_refused_at_compile_time(sb, code):
    refused(sb, code, "_")


@pytest.mark.parametrize("code,needle", [
    ("g = (i for i in [1])\ng.gi_frame", "gi_frame"),
    ("g = (i for i in [1])\ngetattr(g, 'gi_' + 'frame')", "gi_frame"),
    ("g = (i for i in [1])\ngetattr(g, 'gi_code')", "gi_code"),
    ("def f():\n    yield 1\nf().gi_frame.f_back", "gi_frame"),
    ("getattr(getattr, '__globals__')", "__globals__"),
    ("getattr([], '_' + '_class__')", "__class__"),
    ("try:\n    1/0\nexcept Exception as e:\n    getattr(e, '__traceback__')", "__traceback__"),
    ("f = lambda: 1\nf.f_globals", "f_globals"),
])
def test_frame_and_private_attribute_access_is_refused(sb, code, needle):
    refused(sb, code, needle)


@pytest.mark.parametrize("code", [
    "'{0.__class__}'.format(1)",
    "'{a.__class__}'.format_map({'a': 1})",
    "str.format('{0.__class__}', 1)",
    "getattr('{0}', 'format')",
    "f = getattr(str, 'format_map')",
])
def test_str_format_leaks_are_refused(sb, code):
    refused(sb, code, "format")


def test_string_formatter_is_not_importable(sb):
    refused(sb, "import string\nstring.Formatter().format('{0.__class__}', 1)", "'string' is not allowed")
    refused(sb, "from string import Formatter", "'string' is not allowed")


def test_getattr_with_non_str_name(sb):
    refused(sb, "getattr([], 5)", "TypeError", "must be a str")
    refused(sb, "hasattr([], 'append') and getattr([], None)", "TypeError")


def test_except_star_and_positional_only_guard_shadowing(sb):
    refused(sb, "try:\n    pass\nexcept* ValueError:\n    pass", "TryStar")
    refused(sb, "def f(_getattr_, /):\n    return _getattr_\nf(getattr)", "_getattr_")
    refused(sb, "def f(_write_=None, /):\n    pass", "_write_")
    refused(sb, "lambda _getiter_, /: 1", "_getiter_")


@pytest.mark.parametrize("module", ["os", "sys", "subprocess", "ctypes", "importlib", "pickle", "io", "socket",
                                    "operator", "posix", "shutil", "threading", "gc", "inspect"])
def test_imports_outside_the_allowlist(sb, module):
    refused(sb, f"import {module}", f"import of {module!r} is not allowed")
    refused(sb, f"from {module} import path", f"import of {module!r} is not allowed")


def test_module_attribute_walks_to_unsafe_modules(sb):
    refused(sb, "import re\nre.enum.sys", "re.enum is not available")
    refused(sb, "from re import enum", "re.enum is not available")
    refused(sb, "import datetime\ndatetime.sys", "datetime.sys is not available")
    assert sb.run("import datetime\nprint(getattr(datetime, 'sys', None))").stdout == "None\n"
    refused(sb, "import statistics\nstatistics.sys.modules", "statistics.sys is not available")
    refused(sb, "import fractions\nfractions.operator.attrgetter('__class__')", "fractions.operator is not")
    refused(sb, "import builtins", "reserved name")


@pytest.mark.parametrize("code,needle", [
    ("open('/etc/passwd').read()", "open() is not available"),
    ("eval('1+1')", "Eval calls are not allowed"),
    ("exec('x=1')", "Exec calls are not allowed"),
    ("e = eval\ne('1')", "eval() is not available"),
    ("compile('1', 'f', 'eval')", "compile() is not available"),
    ("globals()", "globals() is not available"),
    ("vars()", "vars() is not available"),
    ("type('X', (), {})", "TypeError"),
    ("T = type(type(1))\nT('X', (), {'__eq__': None})", "type() of a class is not available"),
    ("type(int)", "type() of a class is not available"),
    ("class X:\n    pass", "class definitions are not supported"),
])
def test_dangerous_builtins(sb, code, needle):
    refused(sb, code, needle)


def test_writes_to_modules_and_functions_are_refused(sb):
    refused(sb, "import math\nmath.pi = 3", "cannot set attribute 'pi' of module 'math'")
    refused(sb, "import math\nsetattr(math, 'pi', 3)", "module 'math'")
    refused(sb, "def f():\n    pass\nf.x = 1", "cannot set attribute 'x' of function")
    refused(sb, "import math\ndel math.pi", "cannot delete attribute")
    refused(sb, "t = (1, 2)\nt[0] = 5", "tuple")
    assert sb.run("import math\nprint(math.pi)").stdout.startswith("3.14159")
    ok = sb.run("d = {}\nd['k'] = 1\nl = [0]\nl[0] = 2\ns = set()\ns.add(3)\nprint(d, l, s)")
    assert ok.ok and ok.stdout == "{'k': 1} [2] {3}\n"


def test_host_filesystem_untouched(sb, tmp_path):
    target = tmp_path / "pwned.txt"
    refused(sb, f"open({str(target)!r}, 'w').write('x')", "open() is not available")
    assert not target.exists()


def test_secret_in_host_environment_is_invisible(monkeypatch):
    monkeypatch.setenv("SRO_TEST_SECRET_KEY", "sk-very-secret-123")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret-456")
    with Sandbox(SandboxLimits(timeout_s=3)) as box:
        environ = Path(f"/proc/{box.pid}/environ").read_bytes().decode()
        assert "secret" not in environ and "SRO_TEST_SECRET_KEY" not in environ
        assert "OPENAI_API_KEY" not in environ
        result = box.run("import os\nos.environ")
        assert not result.ok and "not allowed" in result.error
        leak = box.run("print(SHOW_VARS(), datasets)")
        assert "secret" not in leak.stdout


def test_child_limits_and_identity():
    with Sandbox(SandboxLimits(timeout_s=3, memory_mb=400)) as box:
        box_pid = box.pid
        limits = Path(f"/proc/{box.pid}/limits").read_text()
        status = Path(f"/proc/{box.pid}/status").read_text()
        fds = os.listdir(f"/proc/{box.pid}/fd")
    assert "Max processes             0" in limits
    assert re.search(r"Max file size\s+1048576\s+1048576", limits)
    assert re.search(r"Max cpu time\s+\d+\s+3600", limits)
    assert re.search(r"Max open files\s+64\s+64", limits)
    assert str(400 * 1024 * 1024) in limits  # address space
    if os.geteuid() == 0:
        uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        assert uid_line.split()[1] == str(UID_BASE + box_pid), "a root host gives each child a uid of its own"
    # stdin/stdout/stderr (devnull, devnull, log) + the two protocol pipes
    assert len(fds) <= 6, fds


def test_timeout_kills_restarts_and_reports_lost_variables():
    with Sandbox(SandboxLimits(timeout_s=1.5)) as box:
        box.run("keep = 1")
        first_pid = box.pid
        result = box.run("while True:\n    pass")
        assert not result.ok and result.restarted
        assert "TimeoutError" in result.error and "variables were lost" in result.error
        assert box.pid != first_pid
        gone = box.run("keep")
        assert not gone.ok and "NameError" in gone.error
        assert box.run("print('alive')").stdout == "alive\n"


@pytest.mark.parametrize("code,needle", [
    ("x = 10**10**10", "variables were lost"),
    ("while True:\n    print('y' * 1000)", "variables were lost"),
])
def test_cpu_bombs_are_stopped(code, needle):
    with Sandbox(SandboxLimits(timeout_s=1.5, memory_mb=512)) as box:
        result = box.run(code)
        assert not result.ok and needle in result.error
        assert box.run("print('alive')").stdout == "alive\n"


def test_memory_recursion_and_output_bombs(sb):
    refused(sb, "x = [0] * (10**10)", "MemoryError")
    refused(sb, "b = bytes(10**10)", "MemoryError")
    refused(sb, "def f(n):\n    return f(n + 1)\nf(0)", "RecursionError")
    flood = sb.run("print('x' * 10_000_000)")
    assert flood.ok and flood.truncated and len(flood.stdout) == 20_000
    assert flood.output_chars == 10_000_001
    assert "output truncated" in flood.render(20_000)


def test_fork_attempts_fail(sb):
    refused(sb, "import os\nos.fork()", "not allowed")
    refused(sb, "import subprocess", "not allowed")
    refused(sb, "import multiprocessing", "not allowed")


def test_final_and_final_var_and_answer_dict(sb):
    result = sb.run("answer['content'] = 'done'\nanswer['ready'] = True")
    assert result.final == "done"
    result = sb.run("summary = {'n': 2}\nFINAL_VAR('summary')")
    assert result.final == '{"n": 2}'
    result = sb.run("FINAL_VAR('nope')")
    assert not result.ok and "no variable named 'nope'" in result.error
    result = sb.run("FINAL(42)")
    assert result.final == "42"


def test_allowed_modules_work_inside_the_unprivileged_child(sb):
    code = """import datetime, json, re, statistics, random, difflib, fractions, textwrap, unicodedata, heapq
import collections, itertools, functools, math, bisect, time
d = datetime.datetime.strptime('2021-06-01', '%Y-%m-%d')
rng = random.Random('seed')
checks = [d.strftime('%d/%m/%Y'), json.loads('{"a": 1}')['a'], re.sub(' +', ' ', 'a  b'),
          statistics.median([3, 1, 2]), round(statistics.stdev([1, 2, 3, 4]), 3), rng.randint(1, 1),
          round(difflib.SequenceMatcher(None, 'abcd', 'abed').ratio(), 2), str(fractions.Fraction('1/3') * 3),
          textwrap.shorten('hello big world', 12), unicodedata.normalize('NFKC', 'ﬁ'), heapq.nlargest(1, [1, 5]),
          collections.Counter('aab').most_common(1)[0][0], list(itertools.islice(itertools.count(), 2)),
          functools.reduce(lambda a, b: a + b, [1, 2]), math.isclose(0.1 + 0.2, 0.3), bisect.bisect([1, 3], 2),
          time.time() > 0, datetime.date(2020, 1, 1).isoformat()]
print(checks)"""
    result = sb.run(code)
    assert result.ok, result.error
    assert result.stdout == ("['01/06/2021', 1, 'a b', 2, 1.291, 1, 0.75, '1', 'hello [...]', 'fi', [5], 'a', "
                             "[0, 1], 3, True, 1, True, '2020-01-01']\n")


def test_primitive_calls_per_step_are_capped():
    served = []

    def handler(fn, args, host_left):
        served.append(fn)
        return 1

    with Sandbox(SandboxLimits(timeout_s=10, max_calls=50)) as box:
        result = box.run("n = 0\nfor i in range(100):\n    n = n + datasets()", handler)
        assert not result.ok and "more than 50 primitive calls in one step" in result.error
        assert len(served) == 50
        again = box.run("print(n, datasets())", handler)
        assert again.ok and again.stdout == "50 1\n", "the cap is per step and variables survive"


@pytest.mark.parametrize("code,needle", [
    # allowed-module gadgets that read or write caller-named attributes with the real getattr/setattr
    ("import functools\nfunctools.update_wrapper", "functools.update_wrapper is not available"),
    ("from functools import wraps", "functools.wraps is not available"),
    ("from functools import total_ordering", "not available"),
    ("from functools import singledispatch", "not available"),
    ("from functools import cached_property", "not available"),
    ("import functools\nfunctools.WRAPPER_ASSIGNMENTS", "not available"),
    ("from collections import UserString", "collections.UserString is not available"),
    ("import re\nre.copyreg", "re.copyreg is not available"),
    ("import json\njson.decoder", "json.decoder is not available"),
    ("import copyreg", "import of 'copyreg' is not allowed"),
    ("import operator", "import of 'operator' is not allowed"),
    ("import string", "import of 'string' is not allowed"),
    # formatting with field access, on str and on anything else that offers it
    ("'{0.__class__}'.format(1)", "format"),
    ("f = getattr('', 'format')", "format"),
    ("m = 'x'.format_map", "format_map"),
    # setattr/delattr follow getattr's name rules and never touch modules, classes or functions
    ("d = {}\nsetattr(d, '__class__', list)", "private"),
    ("def f():\n    pass\nsetattr(f, '__code__', None)", "private"),
    ("def f():\n    pass\nsetattr(f, 'x', 1)", "cannot set attribute 'x' of function"),
    ("setattr(int, 'x', 1)", "cannot set attribute 'x' of type"),
    ("import math\ndelattr(math, 'pi')", "cannot delete attribute 'pi' of module 'math'"),
    # walks to object and to interpreter internals
    ("type(1).mro()", "'mro' is not allowed"),
    ("def g():\n    yield 1\ngetattr(g(), 'gi_frame')", "gi_frame"),
    ("import collections\nc = collections.Counter()\nc.x = 1", "cannot set attribute"),
])
def test_python_layer_refuses_gadgets(sb, code, needle):
    refused(sb, code, needle)
    assert sb.run("print(1 + 1)").stdout == "2\n"


def test_module_views_keep_what_model_code_uses(sb):
    code = ("import functools, collections\nfrom functools import partial, reduce, lru_cache\n"
            "c = collections.Counter('abca')\nc['z'] = c['z'] + 2\nd = collections.defaultdict(list)\nd['k'].append(1)\n"
            "sq = lru_cache(maxsize=None)(lambda x: x * x)\n"
            "print(c.most_common(1), c['z'], dict(d), partial(pow, 2)(5), reduce(max, [3, 9, 2]), sq(4))")
    result = sb.run(code)
    assert result.ok, result.error
    assert result.stdout == "[('a', 2)] 2 {'k': [1]} 32 9 16\n"


@pytest.mark.parametrize("code", [
    "FINAL('x' * 50_000_000)",
    "a = []\nfor i in range(100000):\n    a = [a]\nFINAL(a)",
    "raise ValueError('e' * 10**7)",
    "print('\\ud800')",
    "answer['questions'] = ['q' * 10**6] * 1000",
])
def test_answer_error_and_output_bombs_are_cut_not_fatal(sb, code):
    result = sb.run(code)
    assert not result.restarted, result.error
    assert len(result.final or "") <= 1_000_100 and len(result.error or "") <= 4_100
    assert all(len(q) <= 500 for q in result.questions or [])
    assert sb.run("print('alive')").stdout == "alive\n"
