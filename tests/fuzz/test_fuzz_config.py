"""Fuzzing the config loader (cockpit/config: load_config, parse_config).

Properties:
- any file (YAML-ish text, any bytes) gives Settings or a :class:`ConfigError` — never another
  exception — and every problem has a location (a key path or a line), a message and, for
  validation errors, a path that exists in the document (or names the missing key);
- one key of a shipped config set to any value, or an unknown key added anywhere: either the
  settings load and are a fixed point (dumped to YAML and loaded again they are equal), or the
  error names that key's path (or the section it belongs to);
- every shipped config round-trips through YAML unchanged.
"""
from __future__ import annotations

import math
import tempfile
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel
from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.config import ConfigError, Settings, load_config, parse_config
from cockpit.errors import REGISTRY

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))
DOCUMENTS = [yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in CONFIGS] + [
    Settings().model_dump(mode="json")]
FILE = Path(tempfile.mkdtemp(prefix="cockpit-fuzz-config-")) / "cockpit.yaml"


def _types(annotation) -> list:
    """The classes in an annotation, through Optional, Union, Annotated, list[...] and dict[..., X]."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict:
        return [annotation, *_types(args[1])]
    return [t for a in args for t in _types(a)] if args else [annotation]


def _free_form(model: type[BaseModel], seen: set) -> set[str]:
    """Names of the settings that are mappings with keys of the user's choosing (places, initial...)."""
    names = set()
    for name, field in model.model_fields.items():
        for t in _types(field.annotation):
            if typing.get_origin(t) is dict:
                names.add(name)
            elif isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
                seen.add(t)
                names |= _free_form(t, seen)
    return names


FREE_FORM = _free_form(Settings, set())

yamlish = st.lists(st.sampled_from(
    ["wake:", "mode:", "audio:", "vehicle:", "feeds:", "service:", "port:", "  ", "    ", "\n", "- ", ": ", "[", "]",
     "{", "}", ",", "'", '"', "#", "&a ", "*a", "<<: ", "!!python/object:os.system ", "!!binary ", "!!timestamp ",
     "!!int ", "? ", "---\n", "...\n", "|\n", ">\n", "2001-13-45", "2026-02-30 25:61:00", "1e400", ".inf", ".nan",
     "0x1F", "0o17", "1_000", "~", "null", "yes", "no", "on", "12:30:00", "kind: gpsd", "kind: can", "phrase",
     "\t", "\ufeff", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n"]) | st.text(max_size=6), max_size=40).map("".join)


def load_text(data: bytes):
    FILE.write_bytes(data)
    try:
        return load_config(FILE)
    except ConfigError as exc:
        assert exc.code == "config-invalid" and exc.code in REGISTRY
        assert exc.problems and str(FILE) in str(exc)
        for where, message, _hint in exc.problems:
            assert where and message, exc.problems
        return exc


def key_path_exists(node, path: str) -> bool:
    """Whether dotted ``path`` walks ``node`` (keys may hold dots: VSS paths); the last key may be missing."""
    if path == "":
        return True
    if isinstance(node, dict):
        for key in node:
            k = str(key)
            if (path == k or path.startswith(k + ".")) and key_path_exists(node[key], path[len(k) + 1:]):
                return True
        return "." not in path  # a required key that is missing
    if isinstance(node, list):
        head, _, rest = path.partition(".")
        return head.isdigit() and int(head) < len(node) and key_path_exists(node[int(head)], rest)
    return False


def check_paths(data, exc: ConfigError) -> None:
    for where, _message, _hint in exc.problems:
        assert where == "<root>" or key_path_exists(data, where), (where, exc.problems)


@given(yamlish.map(str.encode) | st.binary(max_size=200))
@example(b"vehicle:\n  clock: 2001-13-45\n")  # found: ValueError from PyYAML's timestamp constructor
@example(b"name: 2026-02-30\n")
@example(b"[" * 5000)  # found: RecursionError
@example(b"!!timestamp ")  # found: AttributeError inside PyYAML
@example(b"audio:\n  frame_ms: !!int abc\n")
@example(b"!!int ")  # found: IndexError inside PyYAML
@example("\ufeff\ufeff- wake:".encode())  # two byte-order marks: the second is part of a key
@example(b"a: &a [1, 1]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c]\n")
@example(b"vehicle:\n  feeds:\n    - kind: gpsd\n      port: 99999\n")  # found: 'vehicle.feeds.0.gpsd.port'
@example(b"brain:\n  local:\n    temperature: .inf\n")  # found: accepted
def test_any_file_gives_settings_or_a_config_error_with_key_paths(data):
    result = load_text(data)
    if isinstance(result, Settings):
        check_fixed_point(result)
    elif not result.problems[0][0].startswith(("line ", "<file>")):
        check_paths(yaml.safe_load(data.decode("utf-8")), result)  # read as load_config reads it


def leaf_paths(node, prefix=()):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from leaf_paths(value, (*prefix, key))
    elif isinstance(node, list) and node:
        for i, value in enumerate(node):
            yield from leaf_paths(value, (*prefix, i))
    yield prefix


def mapping_paths(node, prefix=()):
    if isinstance(node, dict):
        yield prefix
        for key, value in node.items():
            yield from mapping_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from mapping_paths(value, (*prefix, i))


def replaced(node, path, value):
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = replaced(node[path[0]], path[1:], value)
    return copy


values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=10)
                      | st.sampled_from(["auto", "phrase", "ptt", "sphinx", "none", "en", "zh", "gpsd", "", "Vehicle.Speed"]),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                      max_leaves=6)


def related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".") or "<root>" in (a, b)


def numbers(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from numbers(value)
    elif isinstance(node, float):
        yield node


def check_fixed_point(settings: Settings) -> None:
    """Dumped to YAML and loaded again the settings are equal; every number in them is finite."""
    dumped = settings.model_dump(mode="json")
    assert all(math.isfinite(x) for x in numbers(dumped)), dumped
    assert load_text(yaml.safe_dump(dumped, allow_unicode=True).encode()) == settings


@given(st.sampled_from(DOCUMENTS), st.data())
@example(DOCUMENTS[-1], None)
def test_one_key_set_to_anything_loads_or_is_named(document, data):
    if data is None:  # the shipped defaults as they are
        check_fixed_point(parse_config(document))
        return
    path = data.draw(st.sampled_from(sorted(set(leaf_paths(document)), key=repr)), label="path")
    value = data.draw(values, label="value")
    changed = replaced(document, path, value)
    dotted = ".".join(map(str, path)) or "<root>"
    try:
        settings = parse_config(changed)
    except ConfigError as exc:
        check_paths(changed, exc)
        assert any(related(where, dotted) for where, _, _ in exc.problems), (dotted, exc.problems)
        return
    check_fixed_point(settings)


@given(st.sampled_from(DOCUMENTS), st.data())
def test_an_unknown_key_anywhere_is_named_with_the_spelling_hint(document, data):
    where = data.draw(st.sampled_from(sorted(set(mapping_paths(document)), key=repr)), label="mapping")
    node = document
    for part in where:
        node = node[part]
    key = data.draw(st.text(st.characters(categories=("Ll", "Nd")), min_size=1, max_size=8).map(lambda k: "x" + k)
                    .filter(lambda k: k not in node), label="key")
    changed = replaced(document, where, {**node, key: data.draw(values, label="value")})
    try:
        parse_config(changed)
    except ConfigError as exc:
        check_paths(changed, exc)
        dotted = ".".join(map(str, (*where, key)))
        # a free-form mapping (vehicle.places, vehicle.initial...) may take any key: then it is its value that is wrong
        assert any(related(p, dotted) for p, _, _ in exc.problems), (dotted, exc.problems)
        named = [h for p, _, h in exc.problems if p == dotted]
        if not (where and where[-1] in FREE_FORM):
            assert named and "spelling" in named[0], exc.problems
        return
    assert where and where[-1] in FREE_FORM, where  # only a mapping of the user's own keys takes a new one


def test_the_shipped_configs_round_trip_through_yaml():
    for path in CONFIGS:
        check_fixed_point(load_config(path))
