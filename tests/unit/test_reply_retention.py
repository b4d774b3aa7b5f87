"""Reply audio at rest: written 0600 only when configured, pruned by count and age, none in privacy mode."""
from __future__ import annotations

import asyncio
import os
import stat
import time

import numpy as np

from cockpit.audio.output import ReplySink, prune_replies, remove_replies, reply_files
from cockpit.bus import EventBus
from cockpit.config import OutputSettings
from cockpit.trace import TurnTrace
from cockpit.tts.espeak import Speech

TONE = Speech((np.sin(np.arange(1600) / 5) * 8000).astype(np.int16), 16000)


def finish(sink: ReplySink, turn: int) -> str | None:
    return asyncio.run(sink.finish_turn([TONE], turn, EventBus(), TurnTrace()))


def age(path, hours: float) -> None:
    t = time.time() - hours * 3600
    os.utime(path, (t, t))


def test_a_kept_reply_is_0600_and_the_folder_is_pruned_to_the_newest(tmp_path):
    folder = tmp_path / "replies"
    sink = ReplySink(OutputSettings(sink="file", reply_dir=str(folder), keep_replies=3, keep_replies_hours=24))
    for turn in range(1, 6):
        path = finish(sink, turn)
        age(path, 5 - turn)  # turn 1 is the oldest
    assert [p.name for p in reply_files(folder)] == ["turn-003.wav", "turn-004.wav", "turn-005.wav"]
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in reply_files(folder))
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_replies_older_than_the_limit_go_whatever_their_number(tmp_path):
    folder = tmp_path / "replies"
    sink = ReplySink(OutputSettings(sink="file", reply_dir=str(folder), keep_replies=50, keep_replies_hours=2))
    old = finish(sink, 1)
    age(old, 3)
    finish(sink, 2)
    assert [p.name for p in reply_files(folder)] == ["turn-002.wav"]


def test_no_reply_is_kept_in_privacy_mode_or_when_it_is_served_to_the_hmi(tmp_path):
    folder = tmp_path / "replies"
    served: list[int] = []
    sink = ReplySink(OutputSettings(sink="file", reply_dir=str(folder)))
    sink.private = True
    assert finish(sink, 1) is None
    sink.private = False
    sink.on_reply = lambda turn, audio, rate: served.append(turn)  # `cockpit run`: the HMI gets every reply
    assert finish(sink, 2) is None and served == [2]
    keeping = ReplySink(OutputSettings(sink="file", reply_dir=str(folder), keep_served_replies=True))
    keeping.on_reply = lambda turn, audio, rate: served.append(turn)
    assert finish(keeping, 3) is not None and served == [2, 3]
    assert [p.name for p in reply_files(folder)] == ["turn-003.wav"]


def test_an_explicit_out_path_is_written_even_in_privacy_mode(tmp_path):
    sink = ReplySink(OutputSettings(sink="none", reply_dir=str(tmp_path / "replies")))
    sink.private = True
    sink.next_path = tmp_path / "asked-for.wav"  # `cockpit sim --out`: the user asked for this file
    assert finish(sink, 1) == str(tmp_path / "asked-for.wav")
    assert stat.S_IMODE(os.stat(tmp_path / "asked-for.wav").st_mode) == 0o600


def test_remove_and_prune_by_time(tmp_path):
    for n, hours in ((1, 30), (2, 10), (3, 1)):
        p = tmp_path / f"turn-{n:03d}.wav"
        p.write_bytes(b"RIFF")
        age(p, hours)
    (tmp_path / "notes.txt").write_text("not a reply")
    now = time.time()  # the files' times were set from it, hours apart: no race with the machine's speed
    assert remove_replies(tmp_path, since=now - 5 * 3600) == 1  # "today" = the last 5 hours here
    assert prune_replies(tmp_path, keep=10, max_age_s=24 * 3600, now=now) == 1
    assert [p.name for p in reply_files(tmp_path)] == ["turn-002.wav"]
    assert remove_replies(tmp_path) == 1 and (tmp_path / "notes.txt").exists()
