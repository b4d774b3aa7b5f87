"""Markdown, charts, run-to-run diff and loading of `cockpit bench` results."""
from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest

from cockpit.bench import report
from cockpit.errors import CockpitError

RESULT = {
    "label": {"hardware": "Ryzen 7 7840U", "threads": 8,
              "models": {"qwen2.5-0.5b": {"fixture": True}, "whisper-tiny": {"fixture": False}}},
    "turns": [
        {"name": "temp-up", "kind": "fastpath",
         "stages_ms": {"asr": 120.0, "route": 2.0, "tts_first": 180.0, "total": 900.0}},
        {"name": "range", "kind": "llm",
         "stages_ms": {"asr": 130.0, "route": 3.0, "llm_first": 240.0, "tts_first": 400.0, "total": 2100.0}},
        {"name": "navigate", "kind": "tool",
         "stages_ms": {"asr": 110.0, "route": 2.5, "llm_first": 260.0, "tts_first": 520.0, "total": 2500.0}},
    ],
    "metrics": {"asr": {"n": 3, "p50": 120.0, "p95": 129.0, "max": 130.0},
                "llm_first": {"n": 2, "p50": 250.0, "p95": 259.0, "max": 260.0},
                "tts_first": {"n": 3, "p50": 400.0, "p95": 508.0, "max": 520.0}},
    "baselines": {"llm_first": 310.0, "tts_first": 650.0},
    "ratios": {"warm_cold": 0.08, "decode": 0.97},
}


def test_markdown_has_labels_fixture_marks_and_numbers():
    md = report.markdown(RESULT)
    assert "Ryzen 7 7840U" in md and "threads: 8" in md
    assert "qwen2.5-0.5b (fixture)" in md
    assert "whisper-tiny (real)" in md and "whisper-tiny (fixture)" not in md
    assert "| llm_first | 2 | 250 | 259 | 260 | 310 |" in md
    assert "| asr | 3 | 120 | 129 | 130 | - |" in md
    assert "| warm_cold | 0.08 |" in md and "| decode | 0.97 |" in md


def test_waterfall_segments_stack_durations_then_milestones():
    segs = report.waterfall_segments(RESULT["turns"][1]["stages_ms"])
    assert segs == [("asr", 0.0, 130.0), ("route", 130.0, 3.0), ("llm_first", 133.0, 107.0),
                    ("tts_first", 240.0, 160.0), ("total", 400.0, 1700.0)]
    # A milestone that lies before the stacked durations does not go backwards.
    assert report.waterfall_segments({"asr": 300.0, "llm_first": 200.0}) == [
        ("asr", 0.0, 300.0), ("llm_first", 300.0, 0.0)]


def _png_size(path):
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = matplotlib.image.imread(path)
    return img.shape[1], img.shape[0]


@pytest.mark.parametrize("draw", [report.waterfall_png, report.comparison_png])
def test_charts_are_valid_png(tmp_path, draw):
    out = draw(RESULT, tmp_path / "chart.png")
    w, h = _png_size(out)
    assert w > 0 and h > 0


@pytest.mark.parametrize("draw", [report.waterfall_png, report.comparison_png])
def test_charts_as_svg_are_xml(tmp_path, draw):
    out = draw(RESULT, tmp_path / "sub" / "chart.svg")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")


@pytest.mark.parametrize("draw", [report.waterfall_png, report.comparison_png])
def test_charts_of_an_empty_result_still_draw(tmp_path, draw):
    empty = {"label": {}, "turns": [], "metrics": {}, "baselines": {}, "ratios": {}}
    w, h = _png_size(draw(empty, tmp_path / "empty.png"))
    assert w > 0 and h > 0


def test_chart_with_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(CockpitError) as e:
        report.waterfall_png(RESULT, tmp_path / "chart.jpg")
    assert e.value.code == "bench-report"


def test_compare_shows_changes_added_and_removed():
    new = copy.deepcopy(RESULT)
    new["metrics"]["llm_first"]["p50"] = 300.0       # +20 %
    new["metrics"]["tts_first"]["p50"] = 300.0       # -25 %
    del new["metrics"]["asr"]
    new["metrics"]["playback_first"] = {"n": 3, "p50": 450.0, "p95": 500.0, "max": 510.0}
    new["ratios"]["decode"] = 0.97
    new["ratios"]["barge_in"] = 0.5
    del new["ratios"]["warm_cold"]
    text = report.compare(RESULT, new)
    assert "| llm_first | 250 | 300 | +20.0% ▲ |" in text
    assert "| tts_first | 400 | 300 | -25.0% ▼ |" in text
    assert "| asr | 120 | - | removed |" in text
    assert "| playback_first | - | 450 | added |" in text
    assert "| decode | 0.97 | 0.97 | 0.0% = |" in text
    assert "| warm_cold | 0.08 | - | removed |" in text
    assert "| barge_in | - | 0.50 | added |" in text
    assert "- old: Ryzen 7 7840U, 8 threads, models qwen2.5-0.5b (fixture), whisper-tiny" in text


def test_compare_change_when_old_is_zero():
    old = {"metrics": {"a": {"p50": 0.0}, "b": {"p50": 0.0}}}
    new = {"metrics": {"a": {"p50": 0.0}, "b": {"p50": 5.0}}}
    text = report.compare(old, new)
    assert "| a | 0.00 | 0.00 | = |" in text and "| b | 0.00 | 5.00 | n/a (old is 0) |" in text


def test_load_round_trips_a_result(tmp_path):
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(RESULT))
    assert report.load(path) == RESULT
    minimal = tmp_path / "minimal.json"
    minimal.write_text(json.dumps({"metrics": {}}))
    assert report.load(minimal)["turns"] == []


@pytest.mark.parametrize("content", ["not json {", "[1, 2]", '{"turns": []}', '{"metrics": {"a": 1}}',
                                     '{"metrics": {}, "turns": {}}'])
def test_load_errors_name_the_file(tmp_path, content):
    path = tmp_path / "wrong.json"
    path.write_text(content)
    with pytest.raises(CockpitError) as e:
        report.load(path)
    assert e.value.code == "bench-report"
    assert str(path) in str(e.value)


def test_load_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(CockpitError) as e:
        report.load(tmp_path / "nope.json")
    assert "nope.json" in str(e.value) and e.value.code == "bench-report"
