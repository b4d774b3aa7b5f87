"""The engine choice 'auto': the real stack where its models are on disk, the offline one otherwise."""
from __future__ import annotations

import pytest

from cockpit.config import ConfigError, Settings, parse_config
from cockpit.stack import choose

REAL = {"whisper-tiny-en", "whisper-base", "piper-en-joe", "smollm2-135m", "smart-turn-v3.2"}


def test_everything_on_disk_gives_the_real_stack():
    s, choices = choose(Settings(), REAL.__contains__)
    assert (s.asr.engine, s.asr.whisper.model) == ("whisper", "whisper-base")  # short window: faster than tiny.en
    assert s.tts.engine == "piper"
    assert (s.brain.mode, s.brain.local.model) == ("local-only", "smollm2-135m")
    assert s.endpoint.mode == "smart-turn"
    assert not any(c.fallback for c in choices)


def test_nothing_on_disk_gives_the_offline_stack_and_says_how_to_fix_it():
    s, choices = choose(Settings(), lambda name: False)
    assert (s.asr.engine, s.tts.engine, s.brain.mode) == ("sphinx", "espeak", "fastpath-only")
    assert [c.part for c in choices if c.fallback] == ["asr", "tts", "llm", "turn"]
    assert s.endpoint.mode == "fixed"
    lines = " ".join(c.line() for c in choices)
    for fix in ("cockpit models pull whisper-base", "cockpit models pull piper-en-joe",
                "cockpit models pull smollm2-135m", "cockpit models pull smart-turn-v3.2"):
        assert fix in lines


def test_the_design_cards_qwen_wins_over_smollm2_when_both_are_there():
    s, _ = choose(Settings(), (REAL | {"qwen2.5-1.5b"}).__contains__)
    assert s.brain.local.model == "qwen2.5-1.5b"


def test_tiny_en_is_chosen_when_base_is_absent_and_base_for_mandarin():
    s, _ = choose(Settings(), {"whisper-tiny-en"}.__contains__)
    assert s.asr.whisper.model == "whisper-tiny-en"
    zh = parse_config({"asr": {"language": "zh"}}, "<test>")
    s, _ = choose(zh, REAL.__contains__)
    assert (s.asr.engine, s.asr.whisper.model) == ("whisper", "whisper-base")  # tiny.en is English only


def test_mandarin_without_any_whisper_model_is_a_config_error_naming_the_pull():
    zh = parse_config({"asr": {"language": "zh"}}, "<test>")
    with pytest.raises(ConfigError, match="whisper"):
        choose(zh, lambda name: False)


def test_explicit_choices_are_kept_even_when_models_are_present():
    cfg = parse_config({"asr": {"engine": "sphinx"}, "tts": {"engine": "espeak"}, "brain": {"mode": "fastpath-only"}},
                       "<test>")
    s, choices = choose(cfg, REAL.__contains__)
    assert (s.asr.engine, s.tts.engine, s.brain.mode) == ("sphinx", "espeak", "fastpath-only")
    assert all(c.why.endswith("set by the config") for c in choices if c.part != "turn")


def test_an_explicit_whisper_model_path_is_used_as_given():
    cfg = parse_config({"asr": {"whisper": {"model": "/opt/whisper-small"}}}, "<test>")
    s, _ = choose(cfg, {"/opt/whisper-small"}.__contains__)
    assert (s.asr.engine, s.asr.whisper.model) == ("whisper", "/opt/whisper-small")
