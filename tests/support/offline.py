"""Settings for tests that speak to the offline stack about something other than understanding.

PocketSphinx's cross-check (``asr.sphinx.cross_check``, on by default) reads back every command its
open reading does not support — about 6 in 10 said by espeak-ng's klatt voice, the tests' driver
(README "Speech in"). A test whose subject is barge-in, push-to-talk, the long drive or bad audio pins
``GRAMMAR_ALONE`` so that its spoken commands act as the grammar heard them and the test checks its
own subject. The cross-check itself is tested on the same voices in tests/unit/test_cross_check.py,
tests/unit/test_frontend_sphinx.py, tests/real/test_real_understanding.py and, through the whole
pipeline with a spoken "yes", tests/e2e/test_spoken_commands.py.
"""
from __future__ import annotations

GRAMMAR_ALONE = {"sphinx": {"cross_check": False}}
"""The ``asr`` section that lets the grammar's reading act alone."""

GRAMMAR_ALONE_YAML = "asr:\n  sphinx:\n    cross_check: false\n"
"""The same as a config file (for the CLI and the daemon)."""
