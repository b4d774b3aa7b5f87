"""Loading a GGUF on this machine: which file a name means, and whether llama.cpp's repacked (Intel AMX)
weight buffers may be used on this CPU — a probe in a subprocess, since some virtual machines advertise AMX
and fault on its first instruction, killing the whole process. The local tier (local.py) calls
``resolve_model_file`` and ``load_llama``."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from cockpit.errors import CockpitError, EngineMissing

log = logging.getLogger(__name__)
PULL_HINT = "cockpit models pull qwen2.5-0.5b"


def resolve_model_file(name_or_path: str) -> Path:
    """A .gguf path, or the .gguf of a downloaded catalog model; EngineMissing 'llm-model-missing'."""
    p = Path(name_or_path).expanduser()
    if p.suffix == ".gguf" or os.sep in name_or_path:
        if p.is_file():
            return p
        raise EngineMissing(f"local LLM model file {p} does not exist", hint=PULL_HINT, code="llm-model-missing")
    from cockpit import models
    try:
        folder = models.require(name_or_path)
    except CockpitError as exc:
        raise EngineMissing(f"local LLM model {name_or_path!r} is not on this machine",
                            hint=exc.hint or PULL_HINT, code="llm-model-missing") from None
    ggufs = sorted(folder.glob("*.gguf"))
    if not ggufs:
        raise EngineMissing(f"no .gguf file in {folder}", hint=f"cockpit models pull {name_or_path}",
                            code="llm-model-missing")
    return ggufs[0]


_PROBE = """
import sys, llama_cpp
llm = llama_cpp.Llama(sys.argv[1], n_ctx=128, n_threads=1, n_batch=64, verbose=False)
llm.create_completion("one two three four five six seven eight nine ten " * 3, max_tokens=2, temperature=0.0)
"""
_repack_ok: dict[str, bool] = {}
_params_lock = threading.Lock()


def _cpu_has_amx() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return any(line.startswith("flags") and "amx_tile" in line.split() for line in fh)
    except OSError:
        return False


def repack_works(path: Path) -> bool:
    """May llama.cpp put this model's weights in its extra CPU buffers (repacked, Intel AMX)?

    On a CPU that advertises AMX, one tiny decode runs in a subprocess first: some virtual machines
    advertise AMX and allow the kernel request for it, yet fault on the first ``ldtilecfg``, which
    kills the whole process with SIGSEGV (a batch of a few tokens reaches the AMX kernel). Elsewhere: yes, without a probe. Cached per process."""
    if not _cpu_has_amx():
        return True
    key = str(path)
    if False in _repack_ok.values():
        return False  # the CPU's AMX unit faulted once: no need to crash another probe
    if key not in _repack_ok:
        done = subprocess.run([sys.executable, "-c", _PROBE, key], capture_output=True, timeout=120)
        _repack_ok[key] = done.returncode == 0
        if done.returncode != 0:
            log.warning("llama.cpp's AMX/repacked weights crash on this CPU (probe exit %s): plain CPU buffers "
                        "are used (brain.local.weight_repack: false to skip the probe)", done.returncode)
    return _repack_ok[key]


def load_llama(path: Path, repack: bool, **kwargs: Any) -> Any:
    """``llama_cpp.Llama(path, **kwargs)`` with llama.cpp's ``use_extra_bufts`` set to ``repack``
    (llama-cpp-python does not expose it: its default model params are swapped for the call)."""
    import llama_cpp.llama as module

    if repack:
        return module.Llama(str(path), **kwargs)
    with _params_lock:
        default = module.llama_cpp.llama_model_default_params

        def params():
            p = default()
            p.use_extra_bufts = False
            return p

        module.llama_cpp.llama_model_default_params = params
        try:
            return module.Llama(str(path), **kwargs)
        finally:
            module.llama_cpp.llama_model_default_params = default
