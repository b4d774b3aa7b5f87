#!/usr/bin/env python3
"""Make a piper voice with RANDOM weights (a test fixture): ``<name>.onnx`` + ``<name>.onnx.json``.

The ONNX graph has the inputs and output piper-tts 1.8 feeds and reads (piper/voice.py,
``PiperVoice.phoneme_ids_to_audio``):

    input          int64   [batch_size, phonemes]   phoneme ids (BOS, PAD-interleaved, EOS)
    input_lengths  int64   [batch_size]
    scales         float32 [3]                      noise_scale, length_scale, noise_w
    sid            int64   [batch_size]             only when the voice has several speakers
    output         float32 [batch_size, 1, time]    audio in [-1, 1]

so ``piper.PiperVoice.load(path)`` and ``synthesize(text)`` run piper's own phonemizer, id
mapping and onnxruntime call. It is not a VITS: each phoneme id gets a duration (whole frames
of 256 samples) from a random table, multiplied by length_scale and rounded up, like the frames
VITS's duration predictor gives; each frame sounds a sum of sinusoids whose amplitudes come
from a random embedding of its phoneme id, plus noise_scale-weighted noise. The length of the
audio therefore grows with the phonemes and with length_scale and is deterministic (noise_w is
accepted and ignored); the sound is gibberish. Batch size 1 is assumed (piper only sends 1).

The .onnx.json is a piper config (22050 Hz, phoneme_type espeak, espeak voice "en-us" or
"cmn") with a phoneme_id_map written here that covers what espeak-ng produces for English and
Mandarin, and ``"cockpit_fixture": true`` so the runtime can say loudly that it is not a voice.

Usage:
    python tools/make_piper_fixture.py [--language en|zh] [--out DIR] [--speakers N] [--force]

Library:
    from make_piper_fixture import make_piper_fixture
    onnx_path = make_piper_fixture(out_dir, language="en")   # reused when already built
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

FIXTURE_FORMAT = 1
SAMPLE_RATE = 22050
HOP = 256
NUM_SYMBOLS = 256
N_SINES = 8
OPSET = 17
IR_VERSION = 8  # onnxruntime >= 1.10 reads it

LANGUAGES = {
    # language -> espeak voice, piper-voices style language block
    "en": ("en-us", {"code": "en_US", "family": "en", "region": "US", "name_native": "English",
                     "name_english": "English", "country_english": "United States"}),
    "zh": ("cmn", {"code": "zh_CN", "family": "zh", "region": "CN", "name_native": "简体中文",
                   "name_english": "Chinese", "country_english": "China"}),
}

# Sentences whose phonemes the id map must cover (checked at build time with piper's phonemizer).
COVERAGE_TEXT = {
    "en": "Turning the temperature up. Opening the window! Is it 42 degrees, or 'cold'? "
          "Navigate to the station; then call Jessica: thank you, measure, azure, judge, which.",
    "zh": "温度调到二十二度。打开车窗，好吗？现在几点了！导航到火车站；播放音乐：谢谢。",
}


def _symbols() -> list[str]:
    """The phoneme symbols, in id order after the four specials (pad, bos, eos, space)."""
    punctuation = list("!'(),-.:;?\"#") + ["↓", "↑"]
    digits = list("0123456789")  # espeak's Mandarin tone numbers
    latin = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    extra_letters = list("æçðøħŋœβθχεᵻⱱ") + ["ǀ", "ǁ", "ǂ", "ǃ"]
    ipa_block = [chr(c) for c in range(0x0250, 0x02B0)]  # IPA Extensions: ɐ ... ʯ
    modifiers = list("ʰʲʷˠˤˈˌːˑ˞")
    combining = [chr(c) for c in (0x0303, 0x0308, 0x030A, 0x031D, 0x0325, 0x0327, 0x0329, 0x032A,
                                  0x032F, 0x033A, 0x033B, 0x0361)]
    out: list[str] = []
    for s in punctuation + digits + latin + extra_letters + ipa_block + modifiers + combining:
        if s not in out:
            out.append(s)
    return out


def phoneme_id_map() -> dict[str, list[int]]:
    """piper's layout: "_" pad 0, "^" bos 1, "$" eos 2, " " 3, then punctuation and phonemes."""
    symbols = ["_", "^", "$", " "] + _symbols()
    assert len(symbols) <= NUM_SYMBOLS, len(symbols)
    return {s: [i] for i, s in enumerate(symbols)}


def voice_config(language: str, speakers: int = 1) -> dict:
    espeak_voice, lang_block = LANGUAGES[language]
    return {
        "dataset": f"cockpit-fixture-{language}",
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "fixture"},
        "espeak": {"voice": espeak_voice},
        "language": lang_block,
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": phoneme_id_map(),
        "num_symbols": NUM_SYMBOLS,
        "num_speakers": speakers,
        "speaker_id_map": {f"speaker_{i}": i for i in range(speakers)} if speakers > 1 else {},
        "hop_length": HOP,
        "piper_version": "1.0.0",
        "cockpit_fixture": True,
        "cockpit_fixture_info": {
            "warning": "Random-weight piper voice for tests: NOT a real voice; it speaks gibberish.",
            "format": FIXTURE_FORMAT,
        },
    }


def build_graph(speakers: int = 1, seed: int = 0):
    """The ONNX model (onnx.ModelProto) described in the module docstring."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    durations = rng.uniform(3.0, 7.0, NUM_SYMBOLS).astype(np.float32)  # frames per id at scale 1
    durations[0] = 1.0  # pad: short, as in a trained voice
    amplitudes = rng.standard_normal((NUM_SYMBOLS, N_SINES)).astype(np.float32) * 0.3
    freqs = rng.uniform(110.0, 3000.0, N_SINES)
    omega = (2 * np.pi * freqs / SAMPLE_RATE).astype(np.float32)

    def const(name, value, dtype=None):
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)

    inits = [
        const("duration_table", durations), const("amplitude_table", amplitudes),
        const("omega", omega.reshape(1, N_SINES)), const("hop", HOP, np.int64),
        const("zero_i", 0, np.int64), const("one_i", 1, np.int64), const("zero_f", 0.0, np.float32),
        const("one_f", 1.0, np.float32), const("axis0", [0], np.int64), const("axis1", [1], np.int64),
        const("idx_noise", 0, np.int64), const("idx_length", 1, np.int64),
        const("noise_gain", 0.05, np.float32), const("out_shape", [1, 1, -1], np.int64),
    ]
    N = helper.make_node
    nodes = [
        N("Squeeze", ["input", "axis0"], ["ids"]),                        # [T]
        N("Shape", ["ids"], ["t_shape"]),
        N("Squeeze", ["t_shape", "axis0"], ["t"]),
        N("Range", ["zero_i", "t", "one_i"], ["positions"]),
        N("Squeeze", ["input_lengths", "axis0"], ["length"]),
        N("Less", ["positions", "length"], ["valid_b"]),
        N("Cast", ["valid_b"], ["valid"], to=TensorProto.FLOAT),
        N("Gather", ["scales", "idx_noise"], ["noise_scale"]),
        N("Gather", ["scales", "idx_length"], ["length_scale"]),
        # frames per phoneme id: ceil(table[id] * length_scale), masked past input_lengths
        N("Gather", ["duration_table", "ids"], ["dur_raw"]),
        N("Mul", ["dur_raw", "length_scale"], ["dur_scaled"]),
        N("Ceil", ["dur_scaled"], ["dur_ceil"]),
        N("Mul", ["dur_ceil", "valid"], ["dur"]),
        N("CumSum", ["dur", "zero_i"], ["ends"]),                         # [T]
        N("ReduceSum", ["dur"], ["frames_f"], keepdims=0),
        N("Cast", ["frames_f"], ["frames"], to=TensorProto.INT64),
        # phoneme index of each frame = how many phonemes end at or before it
        N("Range", ["zero_f", "frames_f", "one_f"], ["frame_pos"]),      # [F]
        N("Unsqueeze", ["frame_pos", "axis1"], ["frame_col"]),           # [F, 1]
        N("Unsqueeze", ["ends", "axis0"], ["ends_row"]),                 # [1, T]
        N("GreaterOrEqual", ["frame_col", "ends_row"], ["passed_b"]),
        N("Cast", ["passed_b"], ["passed"], to=TensorProto.INT64),
        N("ReduceSum", ["passed", "axis1"], ["frame_phoneme"], keepdims=0),
        N("Gather", ["ids", "frame_phoneme"], ["frame_ids"]),            # [F]
        N("Gather", ["amplitude_table", "frame_ids"], ["frame_amp"]),    # [F, K]
        # samples: hop per frame, each a sum of sinusoids weighted by its frame's amplitudes
        N("Mul", ["frames", "hop"], ["n_samples"]),
        N("Range", ["zero_i", "n_samples", "one_i"], ["sample_pos"]),    # [S]
        N("Div", ["sample_pos", "hop"], ["sample_frame"]),
        N("Gather", ["frame_amp", "sample_frame"], ["sample_amp"]),     # [S, K]
        N("Cast", ["sample_pos"], ["sample_pos_f"], to=TensorProto.FLOAT),
        N("Unsqueeze", ["sample_pos_f", "axis1"], ["sample_col"]),       # [S, 1]
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, ["batch_size", "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, ["batch_size"]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if speakers > 1:  # each speaker its own pitch
        inits.append(const("speaker_pitch", rng.uniform(0.7, 1.4, speakers), np.float32))
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, ["batch_size"]))
        nodes += [N("Gather", ["speaker_pitch", "sid"], ["pitch"]),     # [1]
                  N("Mul", ["omega", "pitch"], ["omega_spk"])]
        omega_name = "omega_spk"
    else:
        omega_name = "omega"
    nodes += [
        N("Mul", ["sample_col", omega_name], ["phase"]),                 # [S, K]
        N("Sin", ["phase"], ["sines"]),
        N("Mul", ["sines", "sample_amp"], ["partials"]),
        N("ReduceSum", ["partials", "axis1"], ["tone"], keepdims=0),     # [S]
        N("RandomNormalLike", ["tone"], ["noise"]),
        N("Mul", ["noise", "noise_scale"], ["noise_scaled"]),
        N("Mul", ["noise_scaled", "noise_gain"], ["noise_out"]),
        N("Add", ["tone", "noise_out"], ["mixed"]),
        N("Tanh", ["mixed"], ["audio"]),                                 # |audio| < 1
        N("Reshape", ["audio", "out_shape"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "cockpit_piper_fixture", inputs,
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 1, "time"])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="cockpit tools/make_piper_fixture.py")
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {"cockpit_fixture": "true", "speakers": str(speakers)})
    onnx.checker.check_model(model, full_check=True)
    return model


def check_coverage(config: dict, language: str) -> list[str]:
    """Phonemes piper's own phonemizer makes for COVERAGE_TEXT that the id map lacks."""
    from piper.phonemize_espeak import EspeakPhonemizer

    sentences = EspeakPhonemizer().phonemize(config["espeak"]["voice"], COVERAGE_TEXT[language])
    id_map = config["phoneme_id_map"]
    return sorted({p for sentence in sentences for p in sentence if p not in id_map})


def is_built(onnx_path: Path, language: str, speakers: int) -> bool:
    json_path = onnx_path.with_name(onnx_path.name + ".json")
    try:
        config = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (onnx_path.is_file() and config.get("cockpit_fixture") is True
            and config.get("cockpit_fixture_info", {}).get("format") == FIXTURE_FORMAT
            and config.get("espeak", {}).get("voice") == LANGUAGES[language][0]
            and config.get("num_speakers") == speakers)


def make_piper_fixture(out_dir: Path | str, language: str = "en", *, speakers: int = 1, seed: int = 0,
                       force: bool = False) -> Path:
    """Write (or reuse) ``<out_dir>/cockpit-fixture-<language>.onnx`` and its .onnx.json; returns the .onnx."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {sorted(LANGUAGES)}")
    if speakers < 1:
        raise ValueError("speakers must be >= 1")
    out = Path(out_dir)
    name = f"cockpit-fixture-{language}" + (f"-{speakers}spk" if speakers > 1 else "")
    onnx_path = out / f"{name}.onnx"
    json_path = out / f"{name}.onnx.json"
    if not force and is_built(onnx_path, language, speakers):
        return onnx_path
    config = voice_config(language, speakers)
    missing = check_coverage(config, language)
    if missing:
        raise AssertionError(f"the fixture's phoneme_id_map lacks {missing} ({language})")
    out.mkdir(parents=True, exist_ok=True)
    json_path.unlink(missing_ok=True)  # the config goes last: a crash leaves "not built"
    part = onnx_path.with_name(onnx_path.name + ".part")
    part.write_bytes(build_graph(speakers, seed).SerializeToString())
    part.replace(onnx_path)
    json_path.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return onnx_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--language", choices=sorted(LANGUAGES), default="en")
    ap.add_argument("--out", type=Path, help="output folder (default .cache/fixtures/piper-<language>)")
    ap.add_argument("--speakers", type=int, default=1, help="number of speakers (>1 adds the 'sid' input)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rebuild even if a matching fixture exists")
    a = ap.parse_args(argv)
    out = a.out or Path(__file__).resolve().parents[1] / ".cache" / "fixtures" / f"piper-{a.language}"
    path = make_piper_fixture(out, a.language, speakers=a.speakers, seed=a.seed, force=a.force)
    print(f"{path}  ({path.stat().st_size / 1e3:.1f} kB) — a FIXTURE: random weights, gibberish speech")
    return 0


if __name__ == "__main__":
    sys.exit(main())
