"""Vehicle settings: the actuation adapter, the live feeds, staleness, the offline POI map."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator

from cockpit.config.base import Section


class Place(Section):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class GpsdFeedSettings(Section):
    kind: Literal["gpsd"]
    host: str = "127.0.0.1"
    """Where gpsd listens (its JSON protocol over TCP)."""
    port: int = Field(2947, ge=1, le=65535)
    """gpsd's port; 2947 is the IANA-registered default."""
    max_age_s: float = Field(3.0, gt=0, le=600)
    """A fix older than this is stale: position, speed and heading become unknown."""
    reconnect_max_s: float = Field(8.0, ge=0.5, le=300)
    """Reconnect back-off doubles from 0.5 s up to this."""


class NmeaFeedSettings(Section):
    kind: Literal["nmea"]
    device: str
    """A serial device (/dev/ttyUSB0, /dev/serial0) or a file of NMEA 0183 sentences to replay."""
    baud: int = Field(4800, ge=300, le=921600)
    """Serial line speed; NMEA 0183 receivers default to 4800, many modules use 9600."""
    replay_hz: float = Field(10.0, gt=0, le=10000)
    """For a file: sentences per second to replay at."""
    max_age_s: float = Field(3.0, gt=0, le=600)
    """A fix older than this is stale."""


class CanFeedSettings(Section):
    kind: Literal["can"]
    interface: str = "socketcan"
    """python-can interface: socketcan (Linux, the car), virtual (tests), pcan, kvaser, ..."""
    channel: str = "can0"
    """python-can channel: the SocketCAN netdev name, or a virtual bus name."""
    dbc: str | None = None
    """The DBC database decoding frames; null = the sample configs/vehicle.dbc shipped with cockpit."""
    signals: dict[str, str] | None = None
    """'Message.Signal' in the DBC -> VSS path; null = the sample DBC's own mapping."""
    max_age_s: float = Field(1.0, gt=0, le=600)
    """A CAN signal not refreshed for this long is stale (cyclic frames repeat every 10-100 ms)."""


class DriveFeedSettings(Section):
    kind: Literal["drive"]
    route: str | None = None
    """A GPX track (with times) or CSV (t_s,lat,lon) to replay; null = the bundled demo route."""
    speedup: float = Field(1.0, gt=0, le=1000)
    """Route seconds per wall-clock second."""
    rate_hz: float = Field(5.0, gt=0, le=100)
    """How often position, speed and heading are written."""
    start_s: float = Field(0.0, ge=0)
    """Start this many route seconds in."""
    loop: bool = False
    """Start again at the end (else the car stays parked at the last point)."""
    max_age_s: float = Field(2.0, gt=0, le=600)


FeedSettings = Annotated[Union[GpsdFeedSettings, NmeaFeedSettings, CanFeedSettings, DriveFeedSettings],
                         Field(discriminator="kind")]

DIETS = ("vegetarian", "vegan", "halal", "kosher", "gluten_free")


class PreferenceSettings(Section):
    diet: Literal["vegetarian", "vegan", "halal", "kosher", "gluten_free"] | None = None
    """Food places that serve this diet (OSM diet:* tags) rank first; null = no preference."""
    cuisines: list[str] = []
    """Favourite cuisines (OSM cuisine values: 'italian', 'indian', ...), ranked next."""


class PoiSettings(Section):
    sources: list[str] | None = None
    """GeoJSON or CSV files of points of interest; null = the bundled sample along the demo route."""
    database: str = ":memory:"
    """The SQLite file the sources are imported into (':memory:' rebuilds it at every start)."""
    country: str | None = "DE"
    """ISO country code for public holidays in opening_hours ('PH off'); null = no holidays."""
    search_radius_m: float = Field(5000.0, gt=0, le=200000)
    """Places farther than this are not 'nearby'."""
    landmark_radius_m: float = Field(300.0, gt=0, le=5000)
    """'What's on my right?' looks this far."""


class VehicleSettings(Section):
    adapter: Literal["sim"] = "sim"
    """Where actuations go: 'sim' is the simulated vehicle (every actuation recorded)."""
    initial: dict[str, float | int | str | bool] = {}
    """VSS path -> starting value for the simulated vehicle (overrides its defaults)."""
    places: dict[str, Place] = {}
    """Named destinations the driver can ask for by name ('home', 'work')."""
    feeds: list[FeedSettings] = []
    """Live signal sources, each started with the assistant: gpsd, nmea, can, drive."""
    max_age_s: dict[str, float] = {}
    """Staleness overrides: VSS path or prefix -> seconds after which a reading is unknown."""
    clock: datetime | None = None
    """Local wall-clock time the drive starts at ('open now' is judged on it); null = the real clock."""
    clock_follows_drive: bool = False
    """With a 'drive' feed and a fixed ``clock``: the local clock runs with the simulated drive (its speedup,
    its seeks), so a drive compressed into minutes still passes through the night."""
    poi: PoiSettings = PoiSettings()
    preferences: PreferenceSettings = PreferenceSettings()

    @field_validator("initial", "max_age_s")
    @classmethod
    def _vss_paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in value if not k.startswith("Vehicle.")]
        if bad:
            raise ValueError(f"keys must be VSS paths starting with 'Vehicle.', got {bad}")
        return value
