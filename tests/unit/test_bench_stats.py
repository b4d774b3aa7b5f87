"""Percentile summaries and the process sampler of `cockpit bench`."""
from __future__ import annotations

import time

import numpy as np
import pytest

from cockpit.bench.stats import ProcessSampler, cpu_seconds, percentile, summarize


def test_empty_input_has_no_numbers():
    assert summarize([]) == {"n": 0, "p50": None, "p95": None, "max": None, "mean": None}


def test_single_value_is_every_percentile():
    assert summarize([7.5]) == {"n": 1, "p50": 7.5, "p95": 7.5, "max": 7.5, "mean": 7.5}


def test_odd_count_p50_is_the_middle_value():
    s = summarize([1, 2, 3, 4, 5])
    assert s["p50"] == 3
    assert s["p95"] == pytest.approx(4.8)  # rank 0.95 * 4 = 3.8 -> 4 + 0.8 * (5 - 4)
    assert s["max"] == 5 and s["mean"] == 3


def test_even_count_p50_interpolates_the_two_middle_values():
    s = summarize([10, 20, 30, 40])
    assert s["p50"] == 25
    assert s["p95"] == pytest.approx(38.5)  # rank 2.85 -> 30 + 0.85 * 10


def test_unsorted_input_is_sorted_first():
    assert summarize([40, 10, 30, 20]) == summarize([10, 20, 30, 40])


def test_p95_of_one_to_hundred():
    s = summarize(list(range(1, 101)))
    assert s["p50"] == pytest.approx(50.5)
    assert s["p95"] == pytest.approx(95.05)  # rank 94.05 -> 95 + 0.05
    assert s["n"] == 100 and s["max"] == 100 and s["mean"] == pytest.approx(50.5)


def test_percentile_bounds():
    v = [1.0, 4.0, 9.0]
    assert percentile(v, 0) == 1.0 and percentile(v, 100) == 9.0


def _burn(seconds: float) -> None:
    end = cpu_seconds() + seconds
    x = 0
    while cpu_seconds() < end:
        x += sum(i * i for i in range(2000))


def test_cpu_seconds_grows_with_work():
    before = cpu_seconds()
    _burn(0.05)
    assert cpu_seconds() > before


def test_sampler_reports_plausible_values():
    with ProcessSampler(interval_s=0.02) as sampler:
        _burn(0.1)
    r = sampler.result
    assert set(r) == {"cpu_percent_mean", "cpu_percent_max", "rss_peak_mb", "pss_peak_mb"}
    assert r["cpu_percent_mean"] >= 0
    assert r["cpu_percent_max"] >= 0
    assert r["rss_peak_mb"] > 10
    assert 10 < r["pss_peak_mb"] <= r["rss_peak_mb"] + 1  # shared pages count in part: never more than RSS


def test_a_file_mapped_twice_counts_twice_in_rss_and_once_in_pss(tmp_path):
    """What a bench process with two Llama objects on one GGUF does to its figures (both mmap the file)."""
    import mmap

    from cockpit.bench.stats import pss_mb, rss_mb
    path = tmp_path / "weights.bin"
    path.write_bytes(np.random.default_rng(0).integers(0, 255, 64 << 20, dtype=np.uint8).tobytes())
    with open(path, "rb") as f:
        first = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        touch = lambda m: sum(m[i] for i in range(0, len(m), 4096))  # noqa: E731
        touch(first)
        rss1, pss1 = rss_mb(), pss_mb()
        second = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        touch(second)
        rss2, pss2 = rss_mb(), pss_mb()
        first.close()
        second.close()
    assert rss2 - rss1 > 48  # the same 64 MiB of page cache, resident a second time
    assert abs(pss2 - pss1) < 16  # ... and split between the two mappings: no more memory in use


def test_sampler_start_stop_and_misuse():
    s = ProcessSampler(interval_s=0.01)
    with pytest.raises(RuntimeError):
        s.stop()
    s.start()
    with pytest.raises(RuntimeError):
        s.start()
    time.sleep(0.03)
    assert s.stop()["rss_peak_mb"] > 10
    with pytest.raises(ValueError):
        ProcessSampler(interval_s=0)
