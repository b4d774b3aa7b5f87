"""Every scenario file in configs/scenarios/ loads through the loader that runs it, and says what
its users rely on. (Every configs/*.yaml is validated by tests/unit/test_config.py.)

- demo.yaml is read by `cockpit demo` (cockpit.scenario.load_scenario, plain Scenario);
- long-drive.yaml is read by `cockpit demo` as a scripted drive (cockpit.scripted_drive.DriveScenario:
  lines at moments of one long drive, answers to cockpit's prompts, signal keyframes), and runs whole in
  tests/e2e/test_long_drive.py;
- bench*.yaml are read by `cockpit bench` (the same loader with BenchScenario, which adds
  `kind`, `fixture_says` and `interrupt`); bench-smoke.yaml also runs whole in
  tests/engines/test_bench_harness.py, and demo.yaml in tests/e2e/test_demo.py.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cockpit.bench.harness import BenchScenario
from cockpit.brain.toolcall import validate
from cockpit.config import ConfigError, Settings, load_config
from cockpit.scenario import Scenario, load_scenario
from cockpit.scripted_drive import DriveScenario
from cockpit.skills.builtin import default_registry
from cockpit.vehicle.route import load_route

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "configs" / "scenarios").glob("*.yaml"))
LOADER = {"demo": Scenario, "bench": BenchScenario, "bench-fastpath": BenchScenario, "bench-smoke": BenchScenario,
          "long-drive": DriveScenario}
"""Scenario file stem -> the model its command validates it with. A new file must be added here."""
CALL = re.compile(r"\s*<tool_call>\s*(\{.*\})\s*</tool_call>\s*", re.S)


def _id(path: Path) -> str:
    return path.stem


def test_every_scenario_file_has_a_known_loader():
    assert {p.stem for p in SCENARIOS} == set(LOADER), "add the new scenario file to LOADER with the loader that runs it"


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_scenario_loads_and_its_config_is_valid(path):
    scenario = load_scenario(path, LOADER[path.stem])
    assert type(scenario) is LOADER[path.stem] and scenario.name and scenario.turns
    assert scenario.config, "the demo and the bench start from the scenario's config"
    settings = load_config(REPO / scenario.config)
    assert isinstance(settings, Settings)
    if any(t.at_s is not None for t in scenario.turns):
        assert scenario.clock is not None  # 'open now' along the route is judged on the scenario's time
        drive = next(f for f in settings.vehicle.feeds if f.kind == "drive")  # the route its drive feed replays
        route = load_route(REPO / drive.route if drive.route else None)
        assert all(t.at_s < route.duration_s for t in scenario.turns if t.at_s is not None)


def test_bench_scenarios_are_refused_by_the_plain_loader():
    """The bench's extra fields are real extras: the plain loader (used by `cockpit demo`) refuses them."""
    with pytest.raises(ConfigError, match="kind"):
        load_scenario(REPO / "configs" / "scenarios" / "bench.yaml")


def _fast_path(scenario: Scenario, tmp_path: Path):
    """The fast path the assistant that runs the scenario has (its config's grammar, skills' phrases)."""
    from cockpit.pipeline import Assistant
    settings = load_config(REPO / scenario.config)
    session = settings.session.model_copy(update={"audit_log": str(tmp_path / "audit.jsonl")})
    return Assistant(settings.model_copy(update={"session": session})).fastpath


def _script_call(text: str):
    m = CALL.fullmatch(text)
    return validate(json.loads(m.group(1)), default_registry()) if m else None


@pytest.mark.parametrize("path", [p for p in SCENARIOS if LOADER.get(p.stem) is BenchScenario], ids=_id)
def test_bench_turns_exercise_what_their_kind_says(path, tmp_path):
    """fastpath: the grammar parses it, into the call its script names; llm/tool: the grammar does not
    (else the model would never run); tool: the script's first round is a valid call; barge-in: the
    driver's interruption is given. Every fixture script is non-empty."""
    scenario = load_scenario(path, BenchScenario)
    fast = _fast_path(scenario, tmp_path)
    for t in scenario.turns:
        parsed = fast.parse(t.say)
        if t.kind == "fastpath":
            assert parsed is not None, t.say
            assert [_script_call(s) for s in t.fixture_says] == [parsed.call], t.say
        elif t.kind in ("llm", "tool"):
            assert parsed is None, f"{t.say!r} is a grammar command: the model would never run"
            assert t.fixture_says and all(s.strip() for s in t.fixture_says)
            first = _script_call(t.fixture_says[0])
            assert (first is not None) == (t.kind == "tool"), t.say
            if t.kind == "tool":
                assert _script_call(t.fixture_says[-1]) is None, "a tool turn ends with words for the driver"
        else:
            assert t.kind == "barge-in" and t.interrupt, t.say


def test_demo_is_eleven_grammar_commands(tmp_path):
    """The demo promises eleven actions (tests/e2e/test_demo.py counts them): each line is a command."""
    scenario = load_scenario(REPO / "configs" / "scenarios" / "demo.yaml")
    fast = _fast_path(scenario, tmp_path)
    assert len(scenario.turns) == 11
    assert all(fast.parse(t.say) is not None for t in scenario.turns), [t.say for t in scenario.turns
                                                                        if fast.parse(t.say) is None]
