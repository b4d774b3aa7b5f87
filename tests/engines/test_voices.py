"""Reply voices: piper when configured (the fixture voice, through piper's real code path),
espeak-ng as the fallback — in the pipeline too."""
import asyncio

import pytest

from cockpit.config import TtsSettings, parse_config
from cockpit.errors import EngineMissing
from cockpit.events import AudioOut, ErrorRaised
from cockpit.pipeline import Assistant
from cockpit.tts.voices import Voices


def test_piper_speaks_and_a_missing_voice_falls_back_to_espeak(piper_voice, tmp_path):
    v = Voices(TtsSettings(engine="piper", piper={"voices": {"en": str(piper_voice), "zh": str(tmp_path / "no.onnx")}}))
    v.prepare()
    assert v.synthesize("Opening the window.", "en").rate == 22050       # piper
    assert v.synthesize("打开车窗。", "zh").rate == 16000                  # espeak-ng (cmn)
    assert [p.code for p in v.problems] == ["tts-missing"]


def test_without_fallback_a_missing_voice_is_an_error(tmp_path):
    v = Voices(TtsSettings(engine="piper", fallback=False, piper={"voices": {"en": str(tmp_path / "x.onnx")}}))
    with pytest.raises(EngineMissing) as err:
        v.prepare()
    assert "cockpit models pull" in err.value.hint


def test_the_pipeline_speaks_with_piper_and_reports_a_fallback_once(piper_voice, tmp_path):
    cfg = parse_config({"session": {"audit_log": str(tmp_path / "audit.jsonl")},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}},
                        "tts": {"engine": "piper", "piper": {"voices": {"en": str(piper_voice),
                                                                        "zh": "piper-zh-huayan"}}}})
    a = Assistant(cfg)
    events: list = []
    a.bus.subscribe(events.append)

    async def go():
        await a.prepare()
        try:
            return await a.text_turn("turn on the AC"), await a.text_turn("打开车窗")
        finally:
            await a.close()
    en, zh = asyncio.run(go())
    outs = [e for e in events if isinstance(e, AudioOut)]
    # skills answer in English today, so both replies are piper's; the missing Mandarin voice is
    # reported once, at start, not on every turn
    assert [o.sample_rate for o in outs] == [22050, 22050]
    assert [e.code for e in events if isinstance(e, ErrorRaised)] == ["tts-missing"]
    assert en.audio_path and zh.audio_path and en.error is None and zh.error is None
