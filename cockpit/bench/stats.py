"""Numbers for `cockpit bench`: percentile summaries and this process's CPU and memory.

``summarize`` turns a list of latencies into ``n, p50, p95, max, mean``. Percentiles use
linear interpolation between closest ranks (numpy's default, "type 7"): for ``p`` in 0..100
over the sorted values ``v[0..n-1]`` the rank is ``r = p/100 * (n-1)``, and the result is
``v[floor(r)] + (r - floor(r)) * (v[floor(r)+1] - v[floor(r)])``. So p50 of an even count is
the mean of the two middle values, and every percentile lies between min and max.

``ProcessSampler`` reads ``/proc/self/stat`` (utime + stime), ``/proc/self/status`` (VmRSS) and
``/proc/self/smaps_rollup`` (Pss: a file mapped twice, like one GGUF opened by two ``Llama`` objects,
counts twice in RSS and once in PSS) on a background thread; off Linux it falls back to ``time.process_time`` and
``resource.getrusage`` (peak RSS since process start). CPU percent is per core, as ``top``
shows it: a process keeping two cores busy reads 200.
"""
from __future__ import annotations

import math
import os
import sys
import threading
import time
from typing import Sequence

_PROC = "/proc/self"


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) of already sorted, non-empty values (see module doc)."""
    rank = p / 100 * (len(sorted_values) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (rank - lo) * (sorted_values[hi] - sorted_values[lo])


def summarize(values: Sequence[float]) -> dict:
    """``{n, p50, p95, max, mean}`` of ``values`` (any order); all None but n=0 when empty."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None, "mean": None}
    v = sorted(float(x) for x in values)
    return {
        "n": len(v),
        "p50": percentile(v, 50),
        "p95": percentile(v, 95),
        "max": v[-1],
        "mean": sum(v) / len(v),
    }


def cpu_name() -> str:
    """The processor's model name, for labelling results."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


def cpu_seconds() -> float:
    """CPU time (user + system, all threads) this process has used so far."""
    try:
        with open(f"{_PROC}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        # After "pid (comm)": field 3 is state, so utime (14) and stime (15) sit at 11 and 12.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return time.process_time()


def pss_mb() -> float | None:
    """Proportional set size now in MiB (pages shared with other processes, or mapped twice, counted
    once in all): Linux only (``/proc/self/smaps_rollup``), else None."""
    try:
        with open(f"{_PROC}/smaps_rollup", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def rss_mb() -> float:
    """Resident memory now in MiB (off Linux: peak resident memory so far)."""
    try:
        with open(f"{_PROC}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs kB


class ProcessSampler:
    """Samples this process's CPU% and RSS every ``interval_s`` while running.

    ``with ProcessSampler() as s: work()`` then ``s.result``; or ``start()`` ... ``stop()``.
    ``stop()`` returns ``{cpu_percent_mean, cpu_percent_max, rss_peak_mb}``; the mean is over
    the whole span (CPU seconds / wall seconds), the max over the sampling intervals.
    """

    def __init__(self, interval_s: float = 0.1):
        if interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        self.interval_s = interval_s
        self.result: dict | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._percents: list[float] = []
        self._rss_peak = 0.0
        self._pss_peak: float | None = None

    def start(self) -> "ProcessSampler":
        if self._thread is not None:
            raise RuntimeError("sampler already started")
        self._stop.clear()
        self._percents, self._rss_peak, self._pss_peak, self.result = [], rss_mb(), pss_mb(), None
        self._t0, self._cpu0 = time.perf_counter(), cpu_seconds()
        self._last = (self._t0, self._cpu0)
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        now, cpu, rss, pss = time.perf_counter(), cpu_seconds(), rss_mb(), pss_mb()
        with self._lock:
            t_prev, cpu_prev = self._last
            if now > t_prev:
                self._percents.append(100.0 * max(cpu - cpu_prev, 0.0) / (now - t_prev))
            self._last = (now, cpu)
            self._rss_peak = max(self._rss_peak, rss)
            if pss is not None:
                self._pss_peak = max(self._pss_peak or 0.0, pss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def stop(self) -> dict:
        if self._thread is None:
            raise RuntimeError("sampler not started")
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._sample()  # the partial last interval, and RSS at the end
        wall = time.perf_counter() - self._t0
        mean = 100.0 * max(cpu_seconds() - self._cpu0, 0.0) / wall if wall > 0 else 0.0
        self.result = {
            "cpu_percent_mean": round(mean, 1),
            "cpu_percent_max": round(max(self._percents, default=mean), 1),
            "rss_peak_mb": round(self._rss_peak, 1),
            "pss_peak_mb": round(self._pss_peak, 1) if self._pss_peak is not None else None,
        }
        return self.result

    def __enter__(self) -> "ProcessSampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
