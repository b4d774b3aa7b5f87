"""The English vehicle-command grammar: the one source for the fast path and the recogniser.

Each rule is (tool name, pattern, fixed arguments). Slot values fill the remaining arguments.
Add a variant here and both the parser and the JSGF the recogniser listens with learn it.
"""
from __future__ import annotations

import re

from cockpit.brain.grammar import SlotType
from cockpit.brain.numbers import number_vocab

_NUM = r"\d+(?:\.\d+)?"


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def _free_text(text: str) -> str:
    return text.strip()


SLOTS: dict[str, SlotType] = {
    "temperature": SlotType("temperature", number_vocab(10, 35), _NUM, _number),
    "percent": SlotType("percent", {**number_vocab(0, 100), "half": 50, "halfway": 50}, _NUM, _number),
    "level": SlotType("level", {**number_vocab(0, 10), "max": 10, "maximum": 10, "full": 10,
                                "minimum": 1, "low": 2, "medium": 5, "high": 8}, r"\d+", _number),
    "window": SlotType("window", {
        "driver": "driver", "driver's": "driver", "my": "driver", "driver side": "driver",
        "passenger": "passenger", "passenger side": "passenger",
        "rear left": "rear_left", "back left": "rear_left",
        "rear right": "rear_right", "back right": "rear_right",
        "rear": "rear", "back": "rear", "all": "all", "all the": "all",
    }),
    "zone": SlotType("zone", {"driver": "driver", "driver's": "driver", "my": "driver",
                              "passenger": "passenger", "passenger's": "passenger"}),
    "media_action": SlotType("media_action", {
        "pause": "pause", "stop": "pause", "resume": "resume", "play": "resume", "continue": "resume",
        "next": "next", "skip": "next", "previous": "previous", "last": "previous",
    }),
    "place": SlotType("place", {
        "home": "home", "work": "work", "the office": "work", "the airport": "airport",
        "the train station": "train station", "the station": "train station",
        "downtown": "downtown", "the city center": "downtown", "the hospital": "hospital",
    }, r"\S[^\n]*?", _free_text),
    "category": SlotType("category", {
        "gas station": "fuel", "gas": "fuel", "fuel": "fuel", "petrol station": "fuel",
        "charging station": "charging", "charger": "charging", "charging": "charging",
        "coffee": "cafe", "coffee shop": "cafe", "cafe": "cafe",
        "parking": "parking", "parking lot": "parking", "car park": "parking",
        "restaurant": "restaurant", "food": "restaurant", "hotel": "hotel",
        "hospital": "hospital", "pharmacy": "pharmacy", "supermarket": "supermarket",
        "toilet": "toilets", "restroom": "toilets",
    }),
    "diet": SlotType("diet", {"vegetarian": "vegetarian", "veggie": "vegetarian", "vegan": "vegan",
                              "halal": "halal", "kosher": "kosher", "gluten free": "gluten_free"}),
    "side": SlotType("side", {"right": "right", "right hand side": "right", "left": "left",
                              "left hand side": "left"}),
    "size": SlotType("size", {"small": "small", "medium": "medium", "regular": "medium", "large": "large"}),
    "menu_item": SlotType("menu_item", {"latte": "latte", "cappuccino": "cappuccino", "americano": "americano",
                                        "tea": "tea", "coffee": "americano"}),
    "merchant": SlotType("merchant", {"bean there": "Bean There"}, r"[a-z][a-z' ]*?", _free_text),
    "status_item": SlotType("status_item", {
        "fuel": "fuel", "fuel level": "fuel", "gas": "fuel", "tank": "fuel",
        "battery": "battery", "charge": "battery", "battery level": "battery",
        "range": "range", "tire pressure": "tire_pressure", "tyre pressure": "tire_pressure",
        "tires": "tire_pressure", "speed": "speed", "outside temperature": "outside_temperature",
    }),
}

SET = "(set | change | put | turn)"
FIND = "(find | show me | search for | look for | is there) [me] (a | an | any | some)"
EATERY = "(place | restaurant | food | spot | place to eat)"
OPEN_NOW = "(that's | that is | which is | that are) open [now | right now]"
WHAT = "(what's | what is | what are)"
WIN = "[the] {window:window} (window | windows)"

# (tool, pattern, fixed arguments)
RULES: list[tuple[str, str, dict]] = [
    # climate: temperature
    ("climate_set_temperature", f"{SET} [the] temperature to {{celsius:temperature}} [degrees] [celsius]", {}),
    ("climate_set_temperature", f"{SET} [the] {{zone:zone}} [side] temperature to {{celsius:temperature}} [degrees] [celsius]", {}),
    ("climate_set_temperature", "(make it | set it to | i want it) {celsius:temperature} degrees", {}),
    ("climate_set_temperature", "(make it | set it) (warmer | hotter) | warm (it | me) up | i'm (cold | freezing) | it's (cold | freezing) [in here]", {"delta": 2}),
    ("climate_set_temperature", "(make it | set it) (cooler | colder) | cool (it | me) down | i'm (hot | warm) | it's (too hot | too warm | hot) [in here]", {"delta": -2}),
    ("climate_set_temperature", "(raise | increase) the temperature [a bit]", {"delta": 1}),
    ("climate_set_temperature", "(lower | decrease | reduce) the temperature [a bit]", {"delta": -1}),
    # climate: fan and AC
    ("climate_set_fan", f"{SET} [the] fan [speed] to [level] {{level:level}}", {}),
    ("climate_set_fan", "fan [speed] [to] [level] {level:level}", {}),
    ("climate_set_fan", "turn (off the fan | the fan off)", {"level": 0}),
    ("climate_set_ac", "turn (on the (air conditioning | a c) | the (air conditioning | a c) on)", {"on": True}),
    ("climate_set_ac", "turn (off the (air conditioning | a c) | the (air conditioning | a c) off)", {"on": False}),
    ("climate_set_ac", "(start | switch on) the (air conditioning | a c)", {"on": True}),
    ("climate_set_ac", "(stop | switch off) the (air conditioning | a c)", {"on": False}),
    # windows
    ("window_set", f"open {WIN} (a bit | a little | slightly | a crack)", {"position": 25}),
    ("window_set", f"open {WIN} (halfway | half way)", {"position": 50}),
    ("window_set", f"open {WIN} [all the way | fully]", {"position": 100}),
    ("window_set", f"(close | shut) {WIN}", {"position": 0}),
    ("window_set", f"{SET} {WIN} to {{position:percent}} [percent]", {}),
    ("window_set", "open (the | my) window [a bit | a little]", {"window": "driver", "position": 25}),
    ("window_set", "(close | shut) (the | my) window", {"window": "driver", "position": 0}),
    # media
    ("media_control", "{action:media_action} [the] (music | song | track | media | radio | playback)", {}),
    ("media_control", "{action:media_action}", {}),
    ("media_control", "(skip | next) [this] (song | track)", {"action": "next"}),
    ("media_control", "go back [a track | a song]", {"action": "previous"}),
    ("media_volume", f"{SET} [the] volume to {{level:level}}", {}),
    ("media_volume", "volume {level:level}", {}),
    ("media_volume", "(turn it up | louder | turn up the (volume | music) | volume up | make it louder)", {"delta": 2}),
    ("media_volume", "(turn it down | quieter | turn down the (volume | music) | volume down | make it quieter)", {"delta": -2}),
    ("media_volume", "(mute | silence) [the] [music | audio | sound | radio]", {"mute": True}),
    ("media_volume", "unmute [the] [music | audio | sound | radio]", {"mute": False}),
    # navigation
    ("navigate_to", "(navigate | drive | take me | go | directions) to {destination:place}", {}),
    ("navigate_to", "(take me | bring me | drive me | go) home", {"destination": "home"}),
    ("navigate_to", "navigate home", {"destination": "home"}),
    ("find_nearby", "(find | show me | where is | where's) [a | the] [nearest | closest] {category:category} [nearby | near me | around here]", {}),
    ("find_nearby", "i need (a | some) {category:category}", {}),
    ("find_nearby", "is there (a | any) {category:category} (nearby | near me | around here)", {}),
    ("find_nearby", f"{FIND} {{category:category}} {OPEN_NOW}", {"open_now": True}),
    ("find_nearby", f"{FIND} {{diet:diet}} {EATERY} {OPEN_NOW}", {"category": "restaurant", "open_now": True}),
    ("find_nearby", f"{FIND} {{diet:diet}} {EATERY} [nearby | near me | around here]", {"category": "restaurant"}),
    ("find_nearby", "where can i (get | eat) {diet:diet} food [nearby | around here]", {"category": "restaurant"}),
    ("find_nearby", "is (anything | any place | anywhere) open (to eat | for food) [nearby | around here]",
     {"category": "restaurant", "open_now": True}),
    # what the driver sees: position + heading + the map
    ("whats_around", f"{WHAT} [(that | this) [building | place]] on (my | the) {{side:side}}", {}),
    ("whats_around", f"{WHAT} (that | this) [building | place] [up] (ahead | in front of (me | us))", {"side": "ahead"}),
    ("whats_around", f"{WHAT} (up ahead | ahead of (me | us) | in front of (me | us))", {"side": "ahead"}),
    ("whats_around", f"{WHAT} around (me | us | here)", {"side": "around"}),
    # commerce: a transaction — the policy gate reads it back and waits for the driver's yes
    ("place_order", "order (a | one) {size:size} {item:menu_item} from {merchant:merchant}", {}),
    ("place_order", "order (a | one) {item:menu_item} from {merchant:merchant}", {}),
    # vehicle status
    ("vehicle_status", "(what's | what is | how's | how is | check) [my | the] {item:status_item} [level]", {}),
    ("vehicle_status", "how much {item:status_item} [do i have] [left]", {}),
    ("vehicle_status", "how far can i (go | drive)", {"item": "range"}),
    ("vehicle_status", "how fast am i (going | driving)", {"item": "speed"}),
]

DIALOG = ["yes", "yes please", "yes pay", "confirm", "do it", "go ahead", "no", "no thanks", "cancel", "stop",
          "what"]
"""Answers to a read-back. Not commands: the recogniser must hear them, the policy gate judges them."""

POLITE_PREFIX = "(please | can you | could you | would you | would you please | can you please)"
POLITE_SUFFIX = "(please | thanks | thank you)"

_CLEAN = re.compile(r"[^\w\s'.%°-]")


def normalize(text: str) -> str:
    """Typed or recognised text -> the grammar's lower-case, single-spaced form."""
    t = text.lower().replace("’", "'")
    t = re.sub(r"(\d)\s*(?:°\s*c?|degrees?)\b", r"\1 degrees", t)
    t = re.sub(r"(\d)\s*%", r"\1 percent", t)
    t = re.sub(r"\ba/?c\b", "a c", t)
    t = _CLEAN.sub(" ", t)
    t = re.sub(r"(?<!\d)[.-]|[.-](?!\d)", " ", t)  # keep decimal points and minus signs only
    t = re.sub(r"^(hey |ok |okay |hi )?cockpit\b", " ", t.strip())
    return " ".join(t.split())
