"""The random-weight Whisper fixture (tools/make_whisper_fixture.py) loads in
faster-whisper from disk and transcribe() runs the real CTranslate2 code paths.

Nothing is downloaded: weights are numpy random numbers and the tokenizer is a
synthetic byte-level BPE with Whisper's special-token layout. Text is gibberish.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "make_whisper_fixture.py"


def _load_tool():
    name = "make_whisper_fixture"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _TOOL)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


mwf = _load_tool()

# Published dims (openai/whisper ModelDimensions for the multilingual checkpoints).
PUBLISHED = {
    #        d_model, layers, heads
    "tiny": (384, 4, 6),
    "base": (512, 6, 8),
    "small": (768, 12, 12),
}


# --------------------------------------------------------------------------- unit


@pytest.mark.parametrize("preset", sorted(PUBLISHED))
def test_preset_table_matches_published_dims(preset):
    d = mwf.PRESETS[preset]
    d_model, layers, heads = PUBLISHED[preset]
    assert (d.n_audio_state, d.n_audio_layer, d.n_audio_head) == (d_model, layers, heads)
    assert (d.n_text_state, d.n_text_layer, d.n_text_head) == (d_model, layers, heads)
    assert d.n_mels == 80
    assert d.n_vocab == 51865
    assert d.n_audio_ctx == 1500
    assert d.n_text_ctx == 448
    assert d_model % heads == 0 and d_model // heads == 64
    for layer, head in mwf.ALIGNMENT_HEADS[preset]:
        assert 0 <= layer < layers and 0 <= head < heads


def test_preset_table_has_exactly_the_published_presets():
    assert set(mwf.PRESETS) == set(PUBLISHED)


def test_unknown_preset_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown preset"):
        mwf.make_whisper_fixture(tmp_path / "x", preset="huge")


def test_special_token_layout():
    toks = mwf.special_tokens()
    assert len(toks) == 51865 - 50257
    at = {t: 50257 + i for i, t in enumerate(toks)}
    assert at["<|endoftext|>"] == 50257
    assert at["<|startoftranscript|>"] == 50258
    assert at["<|en|>"] == 50259
    assert at["<|zh|>"] == 50260
    assert at["<|su|>"] == 50357
    assert at["<|translate|>"] == 50358
    assert at["<|transcribe|>"] == 50359
    assert at["<|startoflm|>"] == 50360
    assert at["<|startofprev|>"] == 50361
    assert at["<|nospeech|>"] == 50362
    assert at["<|notimestamps|>"] == 50363
    assert at["<|0.00|>"] == 50364
    assert at["<|30.00|>"] == 51864


# --------------------------------------------------------------------- the model


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("whisper-fixture") / "tiny"
    t0 = time.monotonic()
    path = mwf.make_whisper_fixture(out, preset="tiny")
    print("\nwhisper tiny fixture built in %.2fs" % (time.monotonic() - t0))
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_dir):
    from faster_whisper import WhisperModel

    t0 = time.monotonic()
    model = WhisperModel(str(tiny_dir), device="cpu", compute_type="int8", cpu_threads=2)
    print("\nwhisper tiny fixture loaded in %.2fs" % (time.monotonic() - t0))
    return model


def test_directory_contents_and_marker(tiny_dir):
    for name in mwf.REQUIRED_FILES:
        assert (tiny_dir / name).is_file(), name
    marker = json.loads((tiny_dir / "FIXTURE.json").read_text())
    assert marker["fixture"] is True and marker["random_weights"] is True
    assert marker["preset"] == "tiny"
    assert marker["dims"]["n_audio_state"] == 384
    cfg = json.loads((tiny_dir / "config.json").read_text())
    assert cfg["lang_ids"] == list(range(50259, 50358))
    assert [tuple(h) for h in cfg["alignment_heads"]] == mwf.ALIGNMENT_HEADS["tiny"]
    assert cfg["suppress_ids_begin"] == [220, 50257]
    vocab = json.loads((tiny_dir / "vocabulary.json").read_text())
    assert len(vocab) == 51865
    assert vocab[50257] == "<|endoftext|>" and vocab[50363] == "<|notimestamps|>"
    pre = json.loads((tiny_dir / "preprocessor_config.json").read_text())
    assert pre["feature_size"] == 80


def test_tokenizer_json_matches_vocabulary(tiny_dir):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tiny_dir / "tokenizer.json"))
    vocab = json.loads((tiny_dir / "vocabulary.json").read_text())
    assert tok.get_vocab_size(with_added_tokens=True) == 51865
    for t in ("<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|transcribe|>",
              "<|translate|>", "<|notimestamps|>", "<|nospeech|>", "<|0.00|>", "<|30.00|>"):
        assert tok.token_to_id(t) == vocab.index(t), t
    ids = tok.encode("Open the window, please!", add_special_tokens=False).ids
    assert ids and all(i < 50257 for i in ids)
    assert tok.decode(ids) == "Open the window, please!"


def test_second_call_reuses_cached_fixture(tiny_dir, monkeypatch):
    before = {p.name: p.stat().st_mtime_ns for p in tiny_dir.iterdir()}

    def rebuilt(*args, **kwargs):
        raise AssertionError("a complete cached fixture was built again")
    monkeypatch.setattr(mwf, "build_tokenizer", rebuilt)  # the first step of a build
    monkeypatch.setattr(mwf, "_fill_spec", rebuilt)
    assert mwf.make_whisper_fixture(tiny_dir, preset="tiny") == tiny_dir
    assert {p.name: p.stat().st_mtime_ns for p in tiny_dir.iterdir()} == before  # nothing written
    assert mwf.is_complete(tiny_dir, "tiny")
    assert not mwf.is_complete(tiny_dir, "base")


def test_model_loads_with_preset_shapes(tiny_model, tiny_dir):
    import ctranslate2

    ct2 = tiny_model.model
    assert isinstance(ct2, ctranslate2.models.Whisper)
    assert ct2.is_multilingual is True
    assert ct2.n_mels == 80
    assert ct2.num_languages == 99
    assert tiny_model.feat_kwargs.get("feature_size") == 80  # read from preprocessor_config.json
    # Encoder output (batch, n_audio_ctx, d_model) proves the real tiny shapes.
    feats = np.zeros((1, 80, 3000), dtype=np.float32)
    enc = ct2.encode(ctranslate2.StorageView.from_array(feats))
    assert list(enc.shape) == [1, 1500, 384]


def test_transcribe_runs_to_completion(tiny_model):
    sr = 16000
    t = np.arange(2 * sr, dtype=np.float32) / sr
    audio = (0.3 * np.sin(2 * np.pi * 440.0 * t)
             + 0.01 * np.random.default_rng(0).standard_normal(t.size)).astype(np.float32)
    t0 = time.monotonic()
    # Random weights never emit <|endoftext|> on purpose: cap the tokens and skip
    # temperature fallback so this stays fast (the decode path is still the real one).
    segments, info = tiny_model.transcribe(
        audio,
        beam_size=1,
        temperature=0.0,
        max_new_tokens=16,
        condition_on_previous_text=False,
    )
    segments = list(segments)  # consume the generator fully (a hang is the per-test timeout's)
    print("\nwhisper tiny fixture transcribe(2 s) in %.2fs: %d segment(s), language=%r"
          % (time.monotonic() - t0, len(segments), info.language))
    assert isinstance(info.language, str) and info.language
    assert 0.0 <= info.language_probability <= 1.0
    assert info.duration == pytest.approx(2.0)
    assert segments, "the real decode path produced no segment"
    for seg in segments:
        assert isinstance(seg.text, str)
        assert 0.0 <= seg.start <= seg.end
