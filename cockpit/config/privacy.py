"""Settings of what the car keeps on its own disk (README "What cockpit keeps")."""
from __future__ import annotations

from pydantic import Field

from cockpit.config.base import Section


class PrivacySettings(Section):
    """Minimisation at rest: what an audit line or a log line may hold. (What may leave the car for a
    cloud model is ``brain.privacy``.)"""

    stored_location_precision_km: float = Field(1.0, ge=0.0, le=100.0)
    """Coordinates written to the audit log and to the logs are snapped to a grid of this cell size (km):
    latitude/longitude fields (``lat``, ``Latitude``, a VSS ``...Latitude`` path) and "lat, lon" in text.
    0 keeps exact points (not recommended: no stored record needs one)."""
    stored_text_arguments: tuple[str, ...] = ("text", "body", "message", "content", "note", "subject")
    """Tool arguments holding free text for someone else (a message body): in the audit log their value
    becomes a salted hash and a redacted preview, and the words are removed wherever else the entry
    repeats them (the read-back). Phone numbers and e-mail addresses are replaced the same way in every
    string of an entry, and so are the driver's words answering a read-back."""
    start_in_privacy_mode: bool = False
    """Start with privacy mode on (no history, no cloud tier, no reply audio kept). The driver's own
    "privacy mode on/off" is remembered across restarts and wins over this."""
