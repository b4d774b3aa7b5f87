#!/usr/bin/env python3
"""Make a CTranslate2 Whisper model directory with RANDOM weights (a test fixture).

The model has the real OpenAI Whisper shapes (tiny / base / small, multilingual,
80 mel bins, vocabulary 51865, 1500 audio positions, 448 text positions) so that

    faster_whisper.WhisperModel(out_dir, device="cpu", compute_type="int8")

loads it from disk and ``transcribe()`` runs the real encoder / decoder code
paths. The weights are numpy random numbers, so the text it produces is
gibberish. Nothing is downloaded: the tokenizer.json is a synthetic byte-level
BPE built locally with the ``tokenizers`` library, with Whisper's special
tokens at Whisper's ids.

The directory gets a ``FIXTURE.json`` marker (``"fixture": true``,
``"random_weights": true``) so the runtime can tell it is not a real model.

Usage:
    python tools/make_whisper_fixture.py --preset tiny --out DIR [--force]

Library:
    from tools.make_whisper_fixture import make_whisper_fixture
    path = make_whisper_fixture(out_dir, preset="tiny")   # cached by marker
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

MARKER = "FIXTURE.json"
FIXTURE_FORMAT = 1

# ----------------------------------------------------------------------------
# Published dimensions (openai/whisper model card / whisper/__init__.py ModelDimensions)
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WhisperDims:
    n_mels: int
    n_vocab: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int


def _dims(d_model: int, layers: int, heads: int) -> WhisperDims:
    return WhisperDims(
        n_mels=80,
        n_vocab=51865,
        n_audio_ctx=1500,
        n_audio_state=d_model,
        n_audio_head=heads,
        n_audio_layer=layers,
        n_text_ctx=448,
        n_text_state=d_model,
        n_text_head=heads,
        n_text_layer=layers,
    )


PRESETS: Dict[str, WhisperDims] = {
    "tiny": _dims(384, 4, 6),
    "base": _dims(512, 6, 8),
    "small": _dims(768, 12, 12),
}

# Copied from ctranslate2/converters/transformers.py (_WHISPER_ALIGNMENT_HEADS).
ALIGNMENT_HEADS: Dict[str, List[Tuple[int, int]]] = {
    "tiny": [(2, 2), (3, 0), (3, 2), (3, 3), (3, 4), (3, 5)],
    "base": [(3, 1), (4, 2), (4, 3), (4, 7), (5, 1), (5, 2), (5, 4), (5, 6)],
    "small": [(5, 3), (5, 9), (8, 0), (8, 4), (8, 7), (8, 8), (9, 0), (9, 7), (9, 9), (10, 5)],
}

# ----------------------------------------------------------------------------
# Vocabulary (multilingual Whisper layout)
# ----------------------------------------------------------------------------

N_TEXT_TOKENS = 50257  # ids 0..50256: byte-level BPE tokens
# The 99 languages of the 51865-token multilingual vocabulary, in Whisper's id order.
LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu "
    "ta no th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn "
    "bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn "
    "mt sa lb my bo tl mg as tt haw ln ha ba jw su"
).split()
assert len(LANGUAGES) == 99

EOT_ID = 50257
SOT_ID = 50258
FIRST_LANG_ID = 50259
TRANSLATE_ID = FIRST_LANG_ID + len(LANGUAGES)  # 50358
N_TIMESTAMPS = 1501  # <|0.00|> .. <|30.00|>

# openai/whisper-* (multilingual) generation_config: ids in the real GPT-2 vocab;
# here the vocab is synthetic, so these are only "some ids", as the converter sets them.
SUPPRESS_IDS = [
    1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93,
    359, 503, 522, 542, 873, 893, 902, 918, 922, 931, 1350, 1853, 1982, 2460, 2627, 3246,
    3253, 3268, 3536, 3846, 3961, 4183, 4667, 6585, 6647, 7273, 9061, 9383, 10428, 10929,
    11938, 12033, 12331, 12562, 13793, 14157, 14635, 15265, 15618, 16553, 16604, 18362,
    18956, 20075, 21675, 22520, 26130, 26161, 26435, 28279, 29464, 31650, 32302, 32470,
    36865, 42863, 47425, 49870, 50254, 50258, 50358, 50359, 50360, 50361, 50362,
]
SUPPRESS_IDS_BEGIN = [220, EOT_ID]  # 220 = "Ġ" (a lone space) in the byte-level alphabet


def special_tokens() -> List[str]:
    """Tokens for ids 50257..51864, in id order."""
    toks = ["<|endoftext|>", "<|startoftranscript|>"]
    toks += ["<|%s|>" % lang for lang in LANGUAGES]
    toks += [
        "<|translate|>",
        "<|transcribe|>",
        "<|startoflm|>",
        "<|startofprev|>",
        "<|nospeech|>",
        "<|notimestamps|>",
    ]
    toks += ["<|%.2f|>" % (i * 0.02) for i in range(N_TIMESTAMPS)]
    return toks


def _bytes_to_unicode() -> List[str]:
    """GPT-2's byte -> printable unicode map, listed in GPT-2 vocab id order (ids 0..255)."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def _bpe_vocab_and_merges() -> Tuple[Dict[str, int], List[Tuple[str, str]]]:
    """A synthetic but valid byte-level BPE: 256 byte symbols + 50000 two-symbol merges,
    and id 50256 = "" (the empty token).

    The real multilingual Whisper vocabulary has "" at id 50256 (English-only ones
    have <|endoftext|> there), and ctranslate2 4.8.5's WhisperReplica sets
    is_multilingual from whether "" is in the vocabulary, so it must be there.
    """
    alphabet = _bytes_to_unicode()
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    # Order symbols roughly by how common they are, so common pairs get merged first.
    common = list("Ġetaoinshrdlcumwfgypbvkjxqz") + list("ETAOINSHRDLCUMWFGYPBVKJXQZ")
    common += list("0123456789.,'-!?\"():;")
    seen = set(common)
    order = common + [c for c in alphabet if c not in seen]
    merges: List[Tuple[str, str]] = []
    needed = N_TEXT_TOKENS - 1 - len(alphabet)
    for a, b in itertools.product(order, order):
        if len(merges) >= needed:
            break
        tok = a + b
        if tok in vocab:
            continue
        vocab[tok] = len(vocab)
        merges.append((a, b))
    vocab[""] = len(vocab)  # 50256
    assert len(vocab) == N_TEXT_TOKENS and vocab[""] == EOT_ID - 1, len(vocab)
    return vocab, merges


def build_tokenizer():
    """A tokenizers.Tokenizer with Whisper's multilingual id layout (51865 tokens)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab, merges = _bpe_vocab_and_merges()
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    specials = special_tokens()
    n_special = len(specials) - N_TIMESTAMPS
    tok.add_special_tokens([AddedToken(t, special=True) for t in specials[:n_special]])
    # Timestamps are plain added tokens in the HF Whisper tokenizer.
    tok.add_tokens([AddedToken(t, special=False) for t in specials[n_special:]])
    return tok


def vocabulary_tokens(tokenizer) -> List[str]:
    """All tokens in id order, as the converter registers them."""
    size = tokenizer.get_vocab_size(with_added_tokens=True)
    return [tokenizer.id_to_token(i) for i in range(size)]


# ----------------------------------------------------------------------------
# Model spec
# ----------------------------------------------------------------------------


def _fill_spec(spec, dims: WhisperDims, rng: np.random.Generator, std: float = 0.02) -> None:
    d = dims.n_audio_state
    f32 = np.float32

    def rnd(*shape):
        return (rng.standard_normal(shape, dtype=f32) * std).astype(f32)

    def zeros(*shape):
        return np.zeros(shape, dtype=f32)

    def ln(s):
        s.gamma = np.ones(d, dtype=f32)
        s.beta = zeros(d)

    def linear(s, out_dim, in_dim, bias=True):
        s.weight = rnd(out_dim, in_dim)
        if bias:
            s.bias = zeros(out_dim)

    def self_attention(s):
        # Fused q,k,v (HF k_proj has no bias -> zeros there), then out_proj.
        linear(s.linear[0], 3 * d, d)
        linear(s.linear[1], d, d)
        ln(s.layer_norm)

    def cross_attention(s):
        linear(s.linear[0], d, d)  # q
        linear(s.linear[1], 2 * d, d)  # fused k,v
        linear(s.linear[2], d, d)  # out
        ln(s.layer_norm)

    def ffn(s):
        linear(s.linear_0, 4 * d, d)
        linear(s.linear_1, d, 4 * d)
        ln(s.layer_norm)

    def sinusoids(length, channels, max_timescale=10000):
        # openai/whisper's encoder positional embedding.
        inc = np.log(max_timescale) / (channels // 2 - 1)
        inv = np.exp(-inc * np.arange(channels // 2))
        t = np.arange(length)[:, None] * inv[None, :]
        return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(f32)

    enc = spec.encoder
    enc.conv1.weight = rnd(d, dims.n_mels, 3)
    enc.conv1.bias = zeros(d)
    enc.conv2.weight = rnd(d, d, 3)
    enc.conv2.bias = zeros(d)
    enc.position_encodings.encodings = sinusoids(dims.n_audio_ctx, d)
    ln(enc.layer_norm)
    for layer in enc.layer:
        self_attention(layer.self_attention)
        ffn(layer.ffn)

    dec = spec.decoder
    embeddings = rnd(dims.n_vocab, d)
    dec.embeddings.weight = embeddings
    dec.position_encodings.encodings = rnd(dims.n_text_ctx, d)
    ln(dec.layer_norm)
    dec.projection.weight = embeddings  # tied, like HF proj_out / embed_tokens
    for layer in dec.layer:
        self_attention(layer.self_attention)
        cross_attention(layer.attention)
        ffn(layer.ffn)


def _preprocessor_config(dims: WhisperDims) -> dict:
    return {
        "chunk_length": 30,
        "feature_extractor_type": "WhisperFeatureExtractor",
        "feature_size": dims.n_mels,
        "hop_length": 160,
        "n_fft": 400,
        "n_samples": 480000,
        "nb_max_frames": 3000,
        "padding_side": "right",
        "padding_value": 0.0,
        "processor_class": "WhisperProcessor",
        "return_attention_mask": False,
        "sampling_rate": 16000,
    }


REQUIRED_FILES = ("model.bin", "config.json", "vocabulary.json", "tokenizer.json",
                  "preprocessor_config.json", MARKER)


def read_marker(out_dir) -> Optional[dict]:
    p = Path(out_dir) / MARKER
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(out_dir, preset: str, quantization: str = "int8", seed: int = 0) -> bool:
    out = Path(out_dir)
    if not all((out / f).is_file() for f in REQUIRED_FILES):
        return False
    m = read_marker(out)
    return bool(
        m
        and m.get("fixture") is True
        and m.get("format") == FIXTURE_FORMAT
        and m.get("preset") == preset
        and m.get("quantization") == quantization
        and m.get("seed") == seed
    )


def make_whisper_fixture(
    out_dir,
    preset: str = "tiny",
    *,
    quantization: str = "int8",
    seed: int = 0,
    force: bool = False,
) -> Path:
    """Write (or reuse) a random-weight Whisper model directory; returns its Path.

    Cached: if ``out_dir`` already holds a complete fixture made with the same
    preset/quantization/seed (checked through FIXTURE.json), nothing is rebuilt.
    """
    if preset not in PRESETS:
        raise ValueError("unknown preset %r (choose from %s)" % (preset, ", ".join(PRESETS)))
    out = Path(out_dir)
    if not force and is_complete(out, preset, quantization, seed):
        return out

    import ctranslate2

    dims = PRESETS[preset]
    t0 = time.monotonic()
    # The marker goes last: remove a stale one first so a crash leaves "incomplete".
    (out / MARKER).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    tokenizer = build_tokenizer()
    tokens = vocabulary_tokens(tokenizer)
    if len(tokens) != dims.n_vocab:
        raise AssertionError("tokenizer has %d tokens, expected %d" % (len(tokens), dims.n_vocab))

    spec = ctranslate2.specs.WhisperSpec(
        dims.n_audio_layer, dims.n_audio_head, dims.n_text_layer, dims.n_text_head
    )
    _fill_spec(spec, dims, np.random.default_rng(seed))
    spec.register_vocabulary(tokens)
    config = spec.config
    config.suppress_ids = list(SUPPRESS_IDS)
    config.suppress_ids_begin = list(SUPPRESS_IDS_BEGIN)
    config.lang_ids = list(range(FIRST_LANG_ID, FIRST_LANG_ID + len(LANGUAGES)))
    config.alignment_heads = [list(h) for h in ALIGNMENT_HEADS.get(preset) or itertools.product(
        range(dims.n_text_layer // 2, dims.n_text_layer), range(dims.n_text_head))]

    # Same sequence as ctranslate2.converters.Converter.convert().
    spec.validate()
    spec.optimize(quantization=quantization)
    spec.save(str(out))

    tokenizer.save(str(out / "tokenizer.json"))
    (out / "preprocessor_config.json").write_text(
        json.dumps(_preprocessor_config(dims), indent=2) + "\n", encoding="utf-8"
    )
    marker = {
        "fixture": True,
        "random_weights": True,
        "warning": "Random-weight Whisper fixture for tests: NOT a real model; "
        "its transcripts are gibberish.",
        "format": FIXTURE_FORMAT,
        "preset": preset,
        "dims": asdict(dims),
        "quantization": quantization,
        "seed": seed,
        "ctranslate2": getattr(ctranslate2, "__version__", "?"),
        "build_seconds": round(time.monotonic() - t0, 3),
    }
    (out / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    ap.add_argument("--out", required=True, help="output model directory")
    ap.add_argument("--quantization", default="int8",
                    help="ctranslate2 weight quantization (default int8)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    cached = not args.force and is_complete(args.out, args.preset, args.quantization, args.seed)
    path = make_whisper_fixture(args.out, args.preset, quantization=args.quantization,
                                seed=args.seed, force=args.force)
    print("%s whisper fixture (%s, random weights) at %s in %.1fs"
          % ("reused" if cached else "built", args.preset, path, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
