#!/usr/bin/env python3
"""Make a Qwen2-architecture GGUF with RANDOM weights but the REAL Qwen2 tokenizer (a test fixture).

The file has the published Qwen2.5 shapes (0.5B / 1.5B / 3B, or a ``tiny`` test shape with the
real 151936-token vocabulary), the Qwen2 byte-level BPE vocabulary and merges, Qwen2.5's added
tokens (``<tool_call>`` ...) and the Qwen2.5 chat template (tools / Hermes ``<tool_call>``), so

    llama_cpp.Llama(path)

loads it with llama.cpp's own qwen2 loader, tokenises exactly like a real Qwen2.5 and runs the
real compute graph at the real speed. The weights are random: the text is gibberish.

Where the tokenizer comes from: llama-cpp-python's source distribution ships
``vendor/llama.cpp/models/ggml-vocab-qwen2.gguf`` (~6 MB) and
``vendor/llama.cpp/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja``. Their tokens, token types
and merges compress (xz) to ~1 MB, so they are committed as ``tools/data/qwen2-vocab.json.xz``
next to the template (plus llama.cpp's Qwen2 tokenizer test vectors, qwen2-vocab-test.inp/.out);
nothing is fetched at build or test time. To regenerate them:

    pip download --no-binary :all: --no-deps llama-cpp-python==0.3.36 -d /tmp/llsdist
    tar xzf /tmp/llsdist/llama_cpp_python-0.3.36.tar.gz -C /tmp/llsdist
    python tools/make_gguf_fixture.py --extract-vocab \
        /tmp/llsdist/llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-qwen2.gguf
    cp .../models/templates/Qwen-Qwen2.5-7B-Instruct.jinja tools/data/qwen2.5-chat-template.jinja
    cp .../models/ggml-vocab-qwen2.gguf.inp tools/data/qwen2-vocab-test.inp   # and .out

The GGUF is written by a small writer here (F16 matrices, F32 norms and biases), then quantised
by llama.cpp itself (``llama_model_quantize``) to Q8_0 or Q4_K_M. The file says what it is:
``general.name = "cockpit-fixture-<preset>"`` and ``cockpit.fixture = true``.

Usage:
    python tools/make_gguf_fixture.py --preset tiny --out .cache/fixtures/qwen-tiny.gguf [--quant Q8_0] [--force]

Library:
    from make_gguf_fixture import make_gguf_fixture
    path = make_gguf_fixture(out_path, preset="tiny", quant="Q8_0")   # cached by preset + quant
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
VOCAB_FILE = DATA / "qwen2-vocab.json.xz"
TEMPLATE_FILE = DATA / "qwen2.5-chat-template.jinja"
ALIGN = 32


@dataclass(frozen=True)
class QwenShape:
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    ffn: int
    tied: bool  # output projection shares token_embd (true for Qwen2.5 <= 3B)
    n_vocab: int = 151936
    context: int = 32768
    rope_base: float = 1_000_000.0
    rms_eps: float = 1e-6


PRESETS = {
    "tiny": QwenShape(2, 64, 4, 2, 128, tied=False),  # untied: exercises the `output` tensor
    "qwen2.5-0.5b": QwenShape(24, 896, 14, 2, 4864, tied=True),
    "qwen2.5-1.5b": QwenShape(28, 1536, 12, 2, 8960, tied=True),
    "qwen2.5-3b": QwenShape(36, 2048, 16, 2, 11008, tied=True),
}
QUANTS = {"F16": 1, "Q8_0": 7, "Q4_K_M": 15}  # llama_ftype values

# Qwen2.5 added tokens (tokenizer_config.json); the Qwen2 vocab file has [PADnnn] at these ids.
# 3 = CONTROL, 4 = USER_DEFINED (llama.cpp token types).
QWEN25_ADDED = {i: (t, 4 if t.startswith("<tool") else 3) for i, t in enumerate([
    "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
    "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>",
    "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
    "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"], start=151646)}

# --------------------------------------------------------------------------- GGUF encoding
_U32, _I32, _F32, _BOOL, _STR, _ARR = 4, 5, 6, 7, 8, 9
_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def _s(text: str) -> bytes:
    b = text.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _kv(key: str, value: Any) -> bytes:
    if isinstance(value, bool):
        return _s(key) + struct.pack("<I?", _BOOL, value)
    if isinstance(value, int):
        return _s(key) + struct.pack("<II", _U32, value)
    if isinstance(value, float):
        return _s(key) + struct.pack("<If", _F32, value)
    if isinstance(value, str):
        return _s(key) + struct.pack("<I", _STR) + _s(value)
    if isinstance(value, list) and value and isinstance(value[0], str):
        return _s(key) + struct.pack("<IIQ", _ARR, _STR, len(value)) + b"".join(_s(v) for v in value)
    arr = np.asarray(value, dtype="<i4")
    return _s(key) + struct.pack("<IIQ", _ARR, _I32, len(arr)) + arr.tobytes()


def read_kv(path: Path) -> dict[str, Any]:
    """The metadata of a GGUF file (arrays as lists). Small reader: enough for vocab and checks."""
    with open(path, "rb") as fh:
        magic, version, _n_tensors, n_kv = struct.unpack("<4sIQQ", fh.read(24))
        if magic != b"GGUF" or version < 2:
            raise ValueError(f"{path}: not a GGUF v2+ file")

        def value(t: int) -> Any:
            if t == _STR:
                (n,) = struct.unpack("<Q", fh.read(8))
                return fh.read(n).decode("utf-8", errors="replace")
            if t == _ARR:
                et, n = struct.unpack("<IQ", fh.read(12))
                if et in _SCALAR:
                    fmt = "<" + _SCALAR[et]
                    return np.frombuffer(fh.read(n * struct.calcsize(fmt)), dtype=fmt).tolist()
                return [value(et) for _ in range(n)]
            fmt = "<" + _SCALAR[t]
            return struct.unpack(fmt, fh.read(struct.calcsize(fmt)))[0]

        out = {}
        for _ in range(n_kv):
            key = value(_STR)
            (t,) = struct.unpack("<I", fh.read(4))
            out[key] = value(t)
        return out


def extract_vocab(vocab_gguf: Path, dest: Path = VOCAB_FILE) -> Path:
    """Copy tokens, token types and merges out of llama.cpp's ggml-vocab-qwen2.gguf into ``dest``."""
    kv = read_kv(vocab_gguf)
    assert kv["tokenizer.ggml.model"] == "gpt2" and kv["tokenizer.ggml.pre"] == "qwen2", kv["tokenizer.ggml.pre"]
    doc = {"source": "llama.cpp vendor/llama.cpp/models/ggml-vocab-qwen2.gguf (llama-cpp-python 0.3.36)",
           **{k: kv[f"tokenizer.ggml.{k}"] for k in ("tokens", "token_type", "merges")}}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(lzma.compress(json.dumps(doc, ensure_ascii=False).encode(), preset=9 | lzma.PRESET_EXTREME))
    return dest


def _tokenizer_kv() -> dict[str, Any]:
    doc = json.loads(lzma.decompress(VOCAB_FILE.read_bytes()))
    tokens, types = list(doc["tokens"]), list(doc["token_type"])
    for i, (tok, typ) in QWEN25_ADDED.items():
        tokens[i], types[i] = tok, typ
    return {
        "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "qwen2",
        "tokenizer.ggml.tokens": tokens, "tokenizer.ggml.token_type": types,
        "tokenizer.ggml.merges": doc["merges"],
        "tokenizer.ggml.eos_token_id": 151645,  # <|im_end|>, as in Qwen2.5-Instruct
        "tokenizer.ggml.padding_token_id": 151643, "tokenizer.ggml.bos_token_id": 151643,
        "tokenizer.ggml.add_bos_token": False,
        "tokenizer.chat_template": TEMPLATE_FILE.read_text(encoding="utf-8"),
    }


def _tensors(s: QwenShape) -> Iterator[tuple[str, tuple[int, ...]]]:
    """(name, numpy shape [out, in]) in llama.cpp's qwen2 naming."""
    hd = s.hidden // s.heads
    kv = s.kv_heads * hd
    yield "token_embd.weight", (s.n_vocab, s.hidden)
    for i in range(s.layers):
        b = f"blk.{i}."
        yield b + "attn_norm.weight", (s.hidden,)
        yield b + "attn_q.weight", (s.hidden, s.hidden)
        yield b + "attn_q.bias", (s.hidden,)
        yield b + "attn_k.weight", (kv, s.hidden)
        yield b + "attn_k.bias", (kv,)
        yield b + "attn_v.weight", (kv, s.hidden)
        yield b + "attn_v.bias", (kv,)
        yield b + "attn_output.weight", (s.hidden, s.hidden)
        yield b + "ffn_norm.weight", (s.hidden,)
        yield b + "ffn_gate.weight", (s.ffn, s.hidden)
        yield b + "ffn_up.weight", (s.ffn, s.hidden)
        yield b + "ffn_down.weight", (s.hidden, s.ffn)
    yield "output_norm.weight", (s.hidden,)
    if not s.tied:
        yield "output.weight", (s.n_vocab, s.hidden)


def _data(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if len(shape) == 1:  # norms ~1, biases small; stay F32
        base = 1.0 if name.endswith("norm.weight") else 0.0
        return (base + 0.02 * rng.standard_normal(shape, dtype=np.float32)).astype("<f4")
    return (0.02 * rng.standard_normal(shape, dtype=np.float32)).astype("<f2")


def write_f16(path: Path, preset: str, seed: int = 0) -> Path:
    """Write the unquantised fixture (F16 matrices, F32 vectors) to ``path``."""
    s = PRESETS[preset]
    meta: dict[str, Any] = {
        "general.architecture": "qwen2", "general.name": f"cockpit-fixture-{preset}",
        "general.file_type": 1, "cockpit.fixture": True, "cockpit.fixture.preset": preset,
        "cockpit.fixture.random_weights": True,
        "qwen2.context_length": s.context, "qwen2.embedding_length": s.hidden,
        "qwen2.block_count": s.layers, "qwen2.feed_forward_length": s.ffn,
        "qwen2.attention.head_count": s.heads, "qwen2.attention.head_count_kv": s.kv_heads,
        "qwen2.rope.freq_base": float(s.rope_base), "qwen2.attention.layer_norm_rms_epsilon": float(s.rms_eps),
        **_tokenizer_kv(),
    }
    rng = np.random.default_rng(seed)
    specs = list(_tensors(s))
    infos, offset = [], 0
    for name, shape in specs:
        nbytes = int(np.prod(shape)) * (4 if len(shape) == 1 else 2)
        ggml_type = 0 if len(shape) == 1 else 1
        infos.append(_s(name) + struct.pack("<I", len(shape)) + struct.pack(f"<{len(shape)}Q", *reversed(shape))
                     + struct.pack("<IQ", ggml_type, offset))
        offset += -(-nbytes // ALIGN) * ALIGN
    with open(path, "wb") as fh:
        fh.write(struct.pack("<4sIQQ", b"GGUF", 3, len(specs), len(meta)))
        fh.write(b"".join(_kv(k, v) for k, v in meta.items()))
        fh.write(b"".join(infos))
        _pad(fh)
        for name, shape in specs:
            fh.write(_data(name, shape, rng).tobytes())
            _pad(fh)
    return path


def _pad(fh: BinaryIO) -> None:
    fh.write(b"\0" * (-fh.tell() % ALIGN))


def quantize(src: Path, dst: Path, quant: str, threads: int = 0) -> Path:
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = QUANTS[quant]
    params.nthread = threads or (os.cpu_count() or 4)
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), params)
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize({src} -> {quant}) failed with {rc}")
    return dst


def is_built(path: Path, preset: str, quant: str) -> bool:
    """``path`` is a finished fixture of this preset and quantisation (read from its metadata)."""
    try:
        kv = read_kv(path)
    except (OSError, ValueError, struct.error, KeyError):
        return False
    return (kv.get("cockpit.fixture") is True and kv.get("cockpit.fixture.preset") == preset
            and kv.get("general.file_type") == QUANTS[quant])


def make_gguf_fixture(out_path: Path | str, preset: str = "tiny", quant: str = "Q8_0", *,
                      force: bool = False, seed: int = 0) -> Path:
    """Build (or reuse) the fixture at ``out_path``; returns the path."""
    out = Path(out_path)
    if preset not in PRESETS or quant not in QUANTS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, quant one of {sorted(QUANTS)}")
    if not force and out.is_file() and is_built(out, preset, quant):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    f16 = out.with_name(out.name + ".f16.part")
    part = out.with_name(out.name + ".part")
    try:
        write_f16(f16, preset, seed)
        if quant == "F16":
            f16.replace(part)
        else:
            quantize(f16, part, quant)
        part.replace(out)
    finally:
        f16.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    ap.add_argument("--quant", default="Q8_0", choices=sorted(QUANTS))
    ap.add_argument("--out", type=Path, help="output .gguf (default .cache/fixtures/qwen-<preset>-<quant>.gguf)")
    ap.add_argument("--force", action="store_true", help="rebuild even if a matching file exists")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extract-vocab", type=Path, metavar="VOCAB_GGUF",
                    help=f"regenerate {VOCAB_FILE.name} from llama.cpp's ggml-vocab-qwen2.gguf and exit")
    a = ap.parse_args(argv)
    if a.extract_vocab:
        print(extract_vocab(a.extract_vocab))
        return 0
    out = a.out or Path(__file__).resolve().parents[1] / ".cache" / "fixtures" / f"qwen-{a.preset}-{a.quant}.gguf"
    t0 = time.perf_counter()
    path = make_gguf_fixture(out, a.preset, a.quant, force=a.force, seed=a.seed)
    print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
