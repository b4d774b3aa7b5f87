"""The suite tells the truth: a scan of every test module's syntax tree for tests that cannot fail.

- every test function checks something: an ``assert``, ``pytest.raises``/``fail``/``warns``, a
  Playwright ``expect``, an ``assert_*`` call, or a helper of its own module that does one of these;
- no assert is constant-true (``assert True``, ``assert x or True``);
- no assert reads a clock (``assert time.monotonic() - t0 < 2.5``): speed is `cockpit bench`'s;
- no hard dependency of pyproject.toml is skipped with ``pytest.importorskip``.
"""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = sorted(p for p in (ROOT / "tests").rglob("test_*.py"))
CHECKS = {"raises", "fail", "warns", "expect", "xfail", "check"}
"""Calls that are checks; ``check`` is cockpit.brain.gbnf.check, which raises unless llama.cpp accepts a grammar."""
CLOCKS = {"monotonic", "perf_counter", "process_time", "time", "monotonic_ns", "perf_counter_ns"}


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _checks_directly(node: ast.AST) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Assert):
            return True
        if isinstance(n, ast.Call) and (_name(n) in CHECKS or _name(n).startswith("assert")):
            return True
    return False


def _module(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _tests(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            yield node


def _checking_helpers(tree: ast.Module) -> set[str]:
    """Functions of the module that check something, directly or through another such helper."""
    funcs = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found = {name for name, f in funcs.items() if _checks_directly(f)}
    while True:
        more = {name for name, f in funcs.items() if name not in found and any(
            isinstance(n, ast.Call) and _name(n) in found for n in ast.walk(f))}
        if not more:
            return found
        found |= more


def test_the_scan_sees_the_suite():
    assert len(TESTS) > 50
    assert sum(1 for p in TESTS for _ in _tests(_module(p))) > 500


def test_every_test_checks_something():
    silent = []
    for path in TESTS:
        tree = _module(path)
        helpers = _checking_helpers(tree)
        for t in _tests(tree):
            if not _checks_directly(t) and not any(isinstance(n, ast.Call) and _name(n) in helpers
                                                   for n in ast.walk(t)):
                silent.append(f"{path.relative_to(ROOT)}:{t.lineno} {t.name}")
    assert not silent, "tests that check nothing (they can only fail by crashing):\n" + "\n".join(silent)


def _constant_true(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_constant_true(v) for v in test.values)
    return False


def _is_clock(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in CLOCKS
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "time" for n in ast.walk(node))


def _has_number(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and type(n.value) in (int, float) for n in ast.walk(node))


def _reads_a_clock(test: ast.expr) -> bool:
    """A clock reading compared with a figure (``time.monotonic() - t0 < 2.5``). A wait-until loop's
    ``time.monotonic() < deadline`` is a liveness bound, not a figure: not flagged."""
    for n in ast.walk(test):
        if isinstance(n, ast.Compare):
            sides = [n.left, *n.comparators]
            if any(_is_clock(x) for x in sides) and any(_has_number(x) and not _is_clock(x) for x in sides):
                return True
    return False


def test_no_assert_is_constant_true_or_reads_a_clock():
    bad = []
    for path in TESTS:
        for n in ast.walk(_module(path)):
            if isinstance(n, ast.Assert) and (_constant_true(n.test) or _reads_a_clock(n.test)):
                bad.append(f"{path.relative_to(ROOT)}:{n.lineno} {ast.unparse(n.test)[:90]}")
    assert not bad, "asserts that cannot fail, or that time the machine:\n" + "\n".join(bad)


def test_hard_dependencies_are_imported_never_skipped():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower().replace("-", "_") for d in deps}
    names |= {"piper", "llama_cpp", "faster_whisper", "can", "serial"}  # import names of piper-tts etc.
    skipped = []
    for path in TESTS:
        for n in ast.walk(_module(path)):
            if isinstance(n, ast.Call) and _name(n) == "importorskip" and n.args and isinstance(n.args[0], ast.Constant):
                if str(n.args[0].value).split(".")[0].lower() in names:
                    skipped.append(f"{path.relative_to(ROOT)}:{n.lineno} importorskip({n.args[0].value!r})")
    assert not skipped, "declared dependencies must be imported (a missing one is a broken install):\n" + "\n".join(skipped)
