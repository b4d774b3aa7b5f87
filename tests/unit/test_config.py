from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.config import ConfigError, Settings, load_config, parse_config

CONFIGS = sorted(Path(__file__).resolve().parents[2].joinpath("configs").glob("*.yaml"))


def test_shipped_configs_are_valid():
    assert {p.stem for p in CONFIGS} >= {"default", "desktop", "x86-box", "jetson-orin"}
    for path in CONFIGS:
        assert isinstance(load_config(path), Settings)


def test_default_yaml_spells_out_the_builtin_defaults():
    shipped = load_config(CONFIGS[[p.stem for p in CONFIGS].index("default")])
    assert shipped.endpoint == Settings().endpoint
    assert shipped.wake == Settings().wake
    assert shipped.asr == Settings().asr


def test_settings_are_frozen():
    s = Settings()
    with pytest.raises(Exception):
        s.wake.mode = "ptt"  # type: ignore[misc]


@pytest.mark.parametrize("data, path, words", [
    ({"wake": {"mdoe": "phrase"}}, "wake.mdoe", "spelling"),
    ({"endpoint": {"hangover_ms": "long"}}, "endpoint.hangover_ms", "expected type"),
    ({"endpoint": {"hangover_ms": 50}}, "endpoint.hangover_ms", "range"),
    ({"vad": {"aggressiveness": 7}}, "vad.aggressiveness", "range"),
    ({"wake": {"mode": "clap"}}, "wake.mode", "allowed values"),
    ({"tts": "espeak"}, "tts", "mapping"),
    ({"vehicle": {"initial": {"Speed": 3}}}, "vehicle.initial", ""),
])
def test_bad_values_name_the_key_path_and_a_hint(data, path, words):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "x.yaml")
    paths = [p for p, _, _ in info.value.problems]
    assert path in paths
    hint = info.value.problems[paths.index(path)][2]
    assert words in hint


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        parse_config({"vad": {"aggressiveness": 9}, "wake": {"mode": "x"}, "bogus": 1})
    assert len(info.value.problems) == 3


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("wake:\n  mode: phrase\n   keyphrase: [oops\n")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert info.value.problems[0][0].startswith("line ")
    assert "YAML syntax" in info.value.problems[0][1]


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")
    lst = tmp_path / "list.yaml"
    lst.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(lst)


def test_config_check_cli_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("endpoint:\n  max_utterance_s: 0\nunknown_section: {}\n")
    assert main(["config", "check", str(CONFIGS[0])]) == 0
    assert main(["config", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "endpoint.max_utterance_s" in err and "unknown_section" in err and "Traceback" not in err


def test_an_origin_or_host_with_a_trailing_newline_is_refused():
    from cockpit.config.service import ServiceSettings
    with pytest.raises(ValueError):
        ServiceSettings(allowed_origins=["http://head-unit.local:8080\n"])
    with pytest.raises(ValueError):
        ServiceSettings(allowed_hosts=["head-unit.local\n"])
    assert ServiceSettings(allowed_origins=["http://head-unit.local:8080"]).allowed_origins
