"""Where the real models pulled by `./run setup` (`cockpit models pull`) live; read before the
test session makes $COCKPIT_MODELS hermetic (tests/conftest.py)."""
import os
from pathlib import Path

REAL_MODELS = Path(os.environ.get("COCKPIT_MODELS") or Path(__file__).resolve().parents[2] / "models")
