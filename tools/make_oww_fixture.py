#!/usr/bin/env python3
"""Make openWakeWord-shaped ONNX models with RANDOM weights (test fixtures).

openWakeWord runs three ONNX models in a row. The fixtures have the real models' tensor names
and shapes (as loaded by openwakeword 0.6.0 ``utils.AudioFeatures`` / ``model.Model``):

    melspectrogram.onnx   input  "input"            [batch, samples] float32 (int16-scaled audio)
                          output "output"           [batch, 1, frames, 32], frames = (samples-512)//160 + 1
    embedding_model.onnx  input  "input_1"          [N, 76, 32, 1]
                          output "conv2d_19"        [N, 1, 1, 96]
    <wake word>.onnx      input  "onnx::Flatten_0"  [1, 16, 96]   (like hey_jarvis_v0.1.onnx)
                          output "39"               [1, 1]        a probability

The graphs are small but not arbitrary, so a test can tell loud audio from silence:

* melspectrogram: 32 random unit-norm 512-tap filters, hop 160, then 10*log10(power + 1)
  (so digital silence is 0 dB and int16 speech is ~60-80 dB, like a log-mel in dB);
* embedding: each of the 96 outputs is a random positive weighted mean of the 76x32 window;
* classifier ``kind="random"``: sigmoid(random linear layer);
  ``kind="loudness"``: sigmoid(gain * (mean of the 16x96 embeddings - centre)) - fires on loud
  audio (speech) and never on silence, deterministically.

Every model carries ``cockpit_fixture`` in its ONNX metadata so the runtime can say it runs one.

Usage:
    python tools/make_oww_fixture.py --out DIR [--force]

Library:
    from tools.make_oww_fixture import make_oww_fixture, make_classifier
    paths = make_oww_fixture(out_dir)   # cached: rebuilt only when missing or outdated
    paths.melspec, paths.embedding, paths.classifier ("loudness"), paths.random_classifier
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FIXTURE_FORMAT = 2
MARKER = "FIXTURE.json"
OPSET = 13
IR_VERSION = 8  # accepted by every onnxruntime >= 1.10

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 160
MEL_BINS = 32
WINDOW = 76
EMBED_DIM = 96
FEATURE_FRAMES = 16

MELSPEC_FILE = "melspectrogram.onnx"
EMBEDDING_FILE = "embedding_model.onnx"
CLASSIFIER_FILE = "loud_v0.1.onnx"
RANDOM_CLASSIFIER_FILE = "random_v0.1.onnx"


@dataclass(frozen=True)
class OwwFixture:
    melspec: Path
    embedding: Path
    classifier: Path
    """The 'loudness' classifier: fires on speech, never on silence."""
    random_classifier: Path


def _save(graph: onnx.GraphProto, path: Path, what: str) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="cockpit-tools")
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {"cockpit_fixture": f"random weights ({what})"})
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)
    return path


def _const(name: str, value) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value), name)


def make_melspec(path: str | Path, seed: int = 0) -> Path:
    """[batch, samples] -> [batch, 1, (samples-512)//160+1, 32], 10*log10(filter power + 1)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((MEL_BINS, 1, N_FFT)).astype(np.float32)
    w /= np.linalg.norm(w, axis=2, keepdims=True)
    nodes = [
        helper.make_node("Unsqueeze", ["input", "ax1"], ["x3"]),                   # [B,1,S]
        helper.make_node("Conv", ["x3", "filters"], ["bands"], strides=[HOP]),     # [B,32,F]
        helper.make_node("Mul", ["bands", "bands"], ["power"]),
        helper.make_node("Add", ["power", "one"], ["power1"]),
        helper.make_node("Log", ["power1"], ["ln"]),
        helper.make_node("Mul", ["ln", "db"], ["logmel"]),
        helper.make_node("Transpose", ["logmel"], ["tf"], perm=[0, 2, 1]),        # [B,F,32]
        helper.make_node("Unsqueeze", ["tf", "ax1"], ["output"]),                  # [B,1,F,32]
    ]
    init = [_const("ax1", np.array([1], np.int64)), numpy_helper.from_array(w, "filters"),
            _const("one", np.float32(1.0)), _const("db", np.float32(10.0 / np.log(10.0)))]
    graph = helper.make_graph(
        nodes, "melspectrogram",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", "samples"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 1, "time", MEL_BINS])],
        init)
    return _save(graph, Path(path), "openWakeWord melspectrogram")


def make_embedding(path: str | Path, seed: int = 1) -> Path:
    """[N, 76, 32, 1] -> [N, 1, 1, 96]; each output a positive weighted mean of the window."""
    rng = np.random.default_rng(seed)
    w = np.abs(rng.standard_normal((WINDOW * MEL_BINS, EMBED_DIM))).astype(np.float32)
    w /= w.sum(axis=0, keepdims=True)
    nodes = [
        helper.make_node("Reshape", ["input_1", "flat"], ["x"]),
        helper.make_node("MatMul", ["x", "w"], ["e"]),
        helper.make_node("Reshape", ["e", "out_shape"], ["conv2d_19"]),
    ]
    init = [_const("flat", np.array([-1, WINDOW * MEL_BINS], np.int64)), numpy_helper.from_array(w, "w"),
            _const("out_shape", np.array([-1, 1, 1, EMBED_DIM], np.int64))]
    graph = helper.make_graph(
        nodes, "embedding_model",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__1", WINDOW, MEL_BINS, 1])],
        [helper.make_tensor_value_info("conv2d_19", TensorProto.FLOAT, ["unk__1", 1, 1, EMBED_DIM])],
        init)
    return _save(graph, Path(path), "openWakeWord embedding_model")


def make_classifier(path: str | Path, kind: str = "loudness", frames: int = FEATURE_FRAMES,
                    dim: int = EMBED_DIM, outputs: int = 1, seed: int = 2,
                    centre: float = 4.0, gain: float = 4.0) -> Path:
    """A wake-word classifier [1, frames, dim] -> [1, outputs] (openWakeWord: 16, 96, 1).

    kind "loudness": sigmoid(gain * (mean(embeddings) - centre)). With these fixtures an
    embedding is ~ level_dB/10 + 2, so centre 4.0 is about 20 dB (int16 RMS ~10, -70 dBFS):
    silence scores ~3e-4, a second of espeak speech ~1 (the mean spans ~2 s of audio).
    kind "random": sigmoid of a random linear layer.
    Other ``frames``/``dim``/``outputs`` make wrongly shaped models for tests.
    """
    if kind not in ("loudness", "random"):
        raise ValueError(f"kind must be 'loudness' or 'random', not {kind!r}")
    x = "onnx::Flatten_0"
    nodes = [helper.make_node("Flatten", [x], ["flat"], axis=1)]
    if kind == "loudness":
        nodes += [helper.make_node("ReduceMean", ["flat"], ["mean"], axes=[1], keepdims=1),
                  helper.make_node("Sub", ["mean", "centre"], ["d"]),
                  helper.make_node("Mul", ["d", "gain"], ["z1"]),
                  helper.make_node("Tile", ["z1", "reps"], ["z"])]
        init = [_const("centre", np.float32(centre)), _const("gain", np.float32(gain)),
                _const("reps", np.array([1, outputs], np.int64))]
    else:
        rng = np.random.default_rng(seed)
        w = (rng.standard_normal((frames * dim, outputs)) / np.sqrt(frames * dim)).astype(np.float32)
        nodes += [helper.make_node("MatMul", ["flat", "w"], ["z0"]),
                  helper.make_node("Add", ["z0", "b"], ["z"])]
        init = [numpy_helper.from_array(w, "w"), _const("b", np.zeros(outputs, np.float32))]
    nodes.append(helper.make_node("Sigmoid", ["z"], ["39"]))
    graph = helper.make_graph(
        nodes, "wakeword",
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, frames, dim])],
        [helper.make_tensor_value_info("39", TensorProto.FLOAT, [1, outputs])],
        init)
    return _save(graph, Path(path), f"openWakeWord {kind} classifier")


def _paths(out: Path) -> OwwFixture:
    return OwwFixture(out / MELSPEC_FILE, out / EMBEDDING_FILE, out / CLASSIFIER_FILE,
                      out / RANDOM_CLASSIFIER_FILE)


def make_oww_fixture(out_dir: str | Path, force: bool = False) -> OwwFixture:
    """Write the four fixture models into ``out_dir``; reuse them when already built."""
    out = Path(out_dir)
    paths = _paths(out)
    marker = {"fixture": True, "random_weights": True, "format": FIXTURE_FORMAT,
              "files": [p.name for p in vars(paths).values()]}
    mpath = out / MARKER
    if not force and mpath.is_file() and all(p.is_file() for p in vars(paths).values()):
        try:
            if json.loads(mpath.read_text(encoding="utf-8")) == marker:
                return paths
        except ValueError:
            pass
    mpath.unlink(missing_ok=True)
    make_melspec(paths.melspec)
    make_embedding(paths.embedding)
    make_classifier(paths.classifier, "loudness")
    make_classifier(paths.random_classifier, "random")
    mpath.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = ap.parse_args(argv)
    paths = make_oww_fixture(args.out, force=args.force)
    for name, p in vars(paths).items():
        print(f"{name:18s} {p}  ({p.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
