"""Skill plug-ins: discovery through the ``cockpit.skills`` entry point, failures, clashes, listing.

Needs the example plug-in installed: ``pip install -e examples/cockpit-skill-ambient``.
"""
from __future__ import annotations

import importlib.metadata
import logging

import pytest

from cockpit.events import ToolCall
from cockpit.skills.builtin import default_registry
from cockpit.skills.listing import skills_rows, skills_table
from cockpit.skills.policy import policy_for
from cockpit.skills.plugins import PLUGIN_GROUP, PluginError, load_plugins
from cockpit.skills.registry import BUILTIN, Registry, SkillContext, Tool
from cockpit.vehicle.sim import SimulatedVehicle

AMBIENT = "Vehicle.Cabin.Light.AmbientLight"
ZONES = [f"{AMBIENT}.{r}.{s}" for r in ("Row1", "Row2") for s in ("DriverSide", "PassengerSide")]
LIGHTS = {f"{z}.{leaf}": v for z in ZONES for leaf, v in (("IsLightOn", False), ("Intensity", 50),
                                                           ("Color", "#FFFFFF"))}
ORIGINAL_ENTRY_POINTS = importlib.metadata.entry_points


def _only(monkeypatch: pytest.MonkeyPatch, *eps: importlib.metadata.EntryPoint) -> None:
    """Make ``entry_points(group=...)`` return just ``eps`` for the skills group."""
    def fake(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("group") == PLUGIN_GROUP:
            return importlib.metadata.EntryPoints(eps)
        return ORIGINAL_ENTRY_POINTS(**kwargs)
    monkeypatch.setattr(importlib.metadata, "entry_points", fake)


def _ep(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name, value, PLUGIN_GROUP)


def test_example_plugin_is_installed_under_the_real_entry_point() -> None:
    eps = {ep.name: ep for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP)}
    assert "ambient" in eps, "run: .venv/bin/pip install -e examples/cockpit-skill-ambient"
    assert eps["ambient"].value == "cockpit_skill_ambient:tools"
    assert eps["ambient"].dist is not None and eps["ambient"].dist.name == "cockpit-skill-ambient"


def test_plugin_is_discovered_and_its_tool_runs_on_the_simulated_vehicle() -> None:
    registry = default_registry()
    errors: list[PluginError] = []
    assert load_plugins(registry, errors=errors) == ["ambient_light"]
    assert errors == []
    assert registry.source("ambient_light") == "cockpit-skill-ambient"
    assert registry.source("climate_set_temperature") == BUILTIN
    assert "ambient_light" in [s["function"]["name"] for s in registry.schemas()]

    car = SimulatedVehicle(LIGHTS)
    outcome = registry.call(ToolCall("ambient_light", {"color": "blue", "brightness": 70}), SkillContext(car))
    assert outcome.ok, outcome.message
    assert "blue" in outcome.message and "70" in outcome.message
    for zone in ZONES:
        assert car.read(f"{zone}.Color") == "#0040FF"
        assert car.read(f"{zone}.Intensity") == 70
        assert car.read(f"{zone}.IsLightOn") is True
    assert set(car.actuated_paths()) == set(outcome.changes) == set(LIGHTS)

    off = registry.call(ToolCall("ambient_light", {"brightness": 0}), SkillContext(car))
    assert off.ok and all(car.read(f"{z}.IsLightOn") is False for z in ZONES)
    assert car.read(f"{ZONES[0]}.Intensity") == 70  # off keeps the last brightness


def test_plugin_arguments_are_validated_like_builtins() -> None:
    registry = default_registry()
    load_plugins(registry)
    from cockpit.errors import ToolError
    with pytest.raises(ToolError) as bad:
        registry.validate(ToolCall("ambient_light", {"color": "blue", "brightness": 150}))
    assert bad.value.code == "tool-bad-arguments" and "0-100" in str(bad.value)
    with pytest.raises(ToolError):
        registry.validate(ToolCall("ambient_light", {"color": "ultraviolet", "brightness": 10}))


def test_plugin_on_a_car_without_ambient_lights_says_so_and_sets_nothing() -> None:
    registry = default_registry()
    load_plugins(registry)
    car = SimulatedVehicle()
    outcome = registry.call(ToolCall("ambient_light", {"color": "red", "brightness": 40}), SkillContext(car))
    assert not outcome.ok and "ambient" in outcome.message
    assert car.actuations == []


def test_broken_entry_point_is_reported_and_skipped(monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    _only(monkeypatch, _ep("broken", "cockpit_no_such_plugin_module:tools"),
          _ep("ambient", "cockpit_skill_ambient:tools"))
    registry = default_registry()
    before = registry.names()
    errors: list[PluginError] = []
    with caplog.at_level(logging.WARNING, logger="cockpit.skills.registry"):
        loaded = load_plugins(registry, errors=errors)
    assert loaded == ["ambient_light"]  # the good plug-in still loads
    assert registry.names() == before + ["ambient_light"]
    (error,) = errors
    assert error.entry_point == "broken = cockpit_no_such_plugin_module:tools"
    assert "failed to import" in error.message and "cockpit_no_such_plugin_module" in error.message
    assert "cockpit_no_such_plugin_module" in caplog.text and "skipped" in caplog.text


@pytest.mark.parametrize("value, words", [
    ("cockpit.skills.policy:MOVING_KMH", "float"),          # not a tool at all
    ("cockpit.skills.builtin:AREAS", "non-Tool"),           # an iterable of modules
    ("cockpit.skills.policy:policy_for", "failed to load"),  # callable needing an argument
    ("cockpit.skills.registry:no_such_attr", "failed"),      # module there, attribute missing
])
def test_plugin_giving_something_else_is_reported_and_skipped(monkeypatch: pytest.MonkeyPatch,
                                                              value: str, words: str) -> None:
    _only(monkeypatch, _ep("odd", value))
    registry = default_registry()
    errors: list[PluginError] = []
    assert load_plugins(registry, errors=errors) == []
    assert len(registry) == len(default_registry())
    (error,) = errors
    assert words in error.message and "odd" in str(error)


def test_clash_with_a_builtin_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import cockpit_skill_ambient as ambient
    builtin = default_registry().get("window_set")
    impostor = Tool("window_set", "Pretend to be the window tool.", ambient.AmbientLightArgs,
                    "actuate", ambient.ambient_light)
    monkeypatch.setattr(ambient, "impostor_tools", lambda: [impostor, ambient.TOOL], raising=False)
    _only(monkeypatch, _ep("impostor", "cockpit_skill_ambient:impostor_tools"))
    registry = default_registry()
    errors: list[PluginError] = []
    assert load_plugins(registry, errors=errors) == ["ambient_light"]
    assert registry.get("window_set").handler is builtin.handler  # the built-in is untouched
    assert registry.source("window_set") == BUILTIN
    (error,) = errors
    assert error.tool == "window_set"
    assert "name clash" in error.message and "built-in" in error.message


def test_second_plugin_with_the_same_tool_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _only(monkeypatch, _ep("ambient", "cockpit_skill_ambient:tools"),
          _ep("ambient_again", "cockpit_skill_ambient:TOOL"))
    registry = default_registry()
    errors: list[PluginError] = []
    assert load_plugins(registry, errors=errors) == ["ambient_light"]
    (error,) = errors
    assert "name clash" in error.message and error.tool == "ambient_light"


def test_no_plugins_leaves_the_registry_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    _only(monkeypatch)
    registry = default_registry()
    assert load_plugins(registry) == [] and registry.names() == default_registry().names()


def test_registry_register_keeps_its_old_behaviour() -> None:
    registry = Registry(default_registry().tools())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("window_set"))
    assert all(registry.source(n) == BUILTIN for n in registry.names())


def test_skills_table_lists_every_default_tool_and_the_plugin_with_its_policy() -> None:
    registry = default_registry()
    load_plugins(registry)
    rows = {row[0]: row for row in skills_rows(registry)}
    assert set(rows) == set(default_registry().names()) | {"ambient_light"}
    table = skills_table(registry)
    for name in rows:
        assert name in table
    for name, (_, effect, moving, confirm, source, _args) in rows.items():
        policy = registry.policy(name)  # the tool's own declaration (skills.policy may only tighten it)
        assert effect.startswith(registry.get(name).side_effect)
        assert confirm == ("yes" if policy.needs_confirmation else "no")
        assert moving == ("no (stopped only)" if not policy.allowed_while_moving
                          else f"up to {policy.max_speed_kmh:g} km/h" if policy.max_speed_kmh else "yes")
        assert source == (BUILTIN if name != "ambient_light" else "cockpit-skill-ambient")
    assert rows["window_set"][2] == "up to 120 km/h"
    assert "position: int 0-100" in rows["window_set"][5]
    assert "celsius?: number 16-30" in rows["climate_set_temperature"][5]
    ambient = rows["ambient_light"]
    assert ambient[1] == "actuate"  # as the plug-in declares it: no table elsewhere to fall out of step with
    assert ambient[2:5] == ("yes", "no", "cockpit-skill-ambient")
    assert "brightness: int 0-100" in ambient[5] and "warm_white" in ambient[5]
