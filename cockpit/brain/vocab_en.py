"""The English grammar's slot vocabularies: every phrase a slot can be, and its value.

Values are exactly what the tools take (cockpit/skills/builtin); the Mandarin vocabularies
(:mod:`vocab_zh`) produce the same values. Some slots are signed amounts: a rule's fixed
``delta`` is the plain step (2), and a captured amount ("slightly", "way") overrides it.
"""
from __future__ import annotations

from cockpit.brain.grammar import SlotType
from cockpit.brain.vocab_time import TIME_EN
from cockpit.lang.numbers_en import number_vocab, number_words

_CELSIUS = r"(?:[1-4]\d|50)(?:\.5|\.0)?"
"""Digits as Whisper writes them, over the same range as the words (10-50). Values past the tool's
16-30 are heard as said, so the gate refuses them with the range ("thirty eight" is not forced into
"thirty" by the grammar recogniser)."""


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def _negative(text: str) -> float | int:
    return -_number(text)


def _free_text(text: str) -> str:
    return text.strip()


def _signed(values: dict[str, int], sign: int) -> dict[str, object]:
    return {phrase: sign * v for phrase, v in values.items()}


def _half_degrees(lo: int, hi: int) -> dict[str, float]:
    return {f"{number_words(n)} point five": n + 0.5 for n in range(lo, hi)}


_AMOUNT = {"a bit": 2, "a little": 2, "a little bit": 2, "bit": 2, "little": 2, "slightly": 1, "a touch": 1,
           "a tad": 1, "a tiny bit": 1, "much": 3, "a lot": 3, "way": 3, "a lot more": 3}
"""'a bit warmer' is the plain step; 'slightly' one; 'much' three."""
_FEEL_ADVERB = {"a bit": 2, "a little": 2, "kind of": 2, "too": 2, "a bit too": 2, "a little too": 2,
                "really": 3, "so": 3, "very": 3, "way too": 3, "far too": 3, "super": 3, "really too": 3}
_LOUD_ADVERB = {"a bit": 2, "a little": 2, "way": 3, "far": 3, "much": 3, "really": 3}
_STEPS = {number_words(n): n for n in range(1, 11)}


def _windows() -> dict[str, str]:
    """Every way to name a window: 'the passenger's window', 'the window on the passenger side'."""
    names = {
        "driver": ["driver", "driver's", "driver side", "driver's side", "front left", "left front"],
        "passenger": ["passenger", "passenger's", "passenger side", "front right", "right front"],
        "rear_left": ["rear left", "back left", "left rear", "left back"],
        "rear_right": ["rear right", "back right", "right rear", "right back"],
    }
    out: dict[str, str] = {"the window": "driver", "my window": "driver", "the windows": "all",
                           "all the windows": "all", "all windows": "all", "all of the windows": "all",
                           "every window": "all", "the rear windows": "rear", "the back windows": "rear",
                           "the rear window": "rear", "the back window": "rear", "both rear windows": "rear",
                           "the window on my side": "driver"}
    for value, words in names.items():
        for w in words:
            out[f"the {w} window"] = value
    for value in ("driver", "passenger"):
        for side in (f"the {value} side", f"the {value}'s side"):
            out[f"the window on {side}"] = value
    return out


SLOTS: dict[str, SlotType] = {
    "temperature": SlotType("temperature", {**number_vocab(10, 50), **_half_degrees(10, 35)}, _CELSIUS, _number),
    "percent": SlotType("percent", {**number_vocab(0, 100), "half": 50, "halfway": 50}, r"100|\d{1,2}", _number),
    "level": SlotType("level", {**number_vocab(0, 10), "max": 10, "maximum": 10, "full": 10,
                                "minimum": 1, "low": 2, "medium": 5, "high": 8}, r"10|\d", _number),
    "heat_level": SlotType("heat_level", {**number_vocab(0, 3), "low": 1, "medium": 2, "high": 3, "max": 3,
                                          "maximum": 3, "full": 3, "off": 0}, r"[0-3]", _number),
    "warmer": SlotType("warmer", _signed(_AMOUNT, 1)),
    "cooler": SlotType("cooler", _signed(_AMOUNT, -1)),
    "cold_adverb": SlotType("cold_adverb", _signed(_FEEL_ADVERB, 1)),
    "hot_adverb": SlotType("hot_adverb", _signed(_FEEL_ADVERB, -1)),
    "louder": SlotType("louder", _signed(_AMOUNT, 1)),
    "quieter": SlotType("quieter", _signed(_AMOUNT, -1)),
    "loud_adverb": SlotType("loud_adverb", _signed(_LOUD_ADVERB, -1)),
    "degrees_up": SlotType("degrees_up", _signed(_STEPS, 1), r"\d+", _number),
    "degrees_down": SlotType("degrees_down", _signed(_STEPS, -1), r"\d+", _negative),
    "window": SlotType("window", {
        "driver": "driver", "driver's": "driver", "my": "driver", "driver side": "driver",
        "passenger": "passenger", "passenger's": "passenger", "passenger side": "passenger",
        "rear left": "rear_left", "back left": "rear_left",
        "rear right": "rear_right", "back right": "rear_right",
        "rear": "rear", "back": "rear", "all": "all", "all the": "all",
    }),
    "windows": SlotType("windows", _windows()),
    "bare_window": SlotType("bare_window", {"window": "driver", "my window": "driver", "windows": "all",
                                            "all windows": "all", "all the windows": "all"}),
    "openness": SlotType("openness", {"a bit": 25, "a little": 25, "a little bit": 25, "slightly": 25,
                                      "a crack": 25, "a touch": 25, "halfway": 50, "half way": 50,
                                      "all the way": 100, "fully": 100, "completely": 100, "all the way down": 100}),
    "zone": SlotType("zone", {"driver": "driver", "driver's": "driver", "my": "driver",
                              "passenger": "passenger", "passenger's": "passenger"}),
    "zone_place": SlotType("zone_place", {
        "my side": "driver", "the driver's side": "driver", "the driver side": "driver", "the driver": "driver",
        "me": "driver", "the passenger side": "passenger", "the passenger's side": "passenger",
        "the passenger": "passenger"}),
    "seat": SlotType("seat", {"my": "driver", "driver's": "driver", "driver": "driver", "driver side": "driver",
                              "passenger": "passenger", "passenger's": "passenger", "passenger side": "passenger"}),
    "seat_for": SlotType("seat_for", {"for me": "driver", "for the driver": "driver", "on my side": "driver",
                                      "for the passenger": "passenger", "on the passenger side": "passenger"}),
    "seat_answer": SlotType("seat_answer", {
        "me": "driver", "mine": "driver", "my seat": "driver", "my side": "driver", "the driver": "driver",
        "driver": "driver", "the driver's seat": "driver", "driver's seat": "driver", "the driver's": "driver",
        "the passenger": "passenger", "passenger": "passenger", "the passenger's seat": "passenger",
        "passenger seat": "passenger", "the passenger seat": "passenger", "the passenger's": "passenger",
        "her": "passenger", "him": "passenger", "the other seat": "passenger"}),
    "window_answer": SlotType("window_answer", {
        **_windows(), "mine": "driver", "my window": "driver", "my side": "driver", "the driver's": "driver",
        "driver": "driver", "the passenger's": "passenger", "passenger": "passenger", "the passenger": "passenger",
        "her": "passenger", "hers": "passenger", "the back": "rear", "the back ones": "rear", "the rear": "rear",
        "all": "all", "all of them": "all", "all the windows": "all", "every window": "all"}),
    "defrost_glass": SlotType("defrost_glass", {
        "windshield": "front", "windscreen": "front", "front window": "front", "front windshield": "front",
        "front windscreen": "front", "rear window": "rear", "back window": "rear", "rear windshield": "rear",
        "rear windscreen": "rear", "windows": "all"}),
    "defrost_pos": SlotType("defrost_pos", {"front": "front", "rear": "rear", "back": "rear"}),
    "media_action": SlotType("media_action", {
        "pause": "pause", "stop": "pause", "resume": "resume", "play": "resume", "continue": "resume",
        "unpause": "resume", "next": "next", "skip": "next", "previous": "previous", "last": "previous",
    }),
    "place": SlotType("place", {
        "home": "home", "work": "work", "the office": "work", "the airport": "airport",
        "the train station": "train station", "the station": "train station", "the railway station": "train station",
        "downtown": "downtown", "the city center": "downtown", "the city centre": "downtown",
        "the hospital": "hospital",
    }, r"\S[^\n]*?", _free_text, open_text=True),
    "known_place": SlotType("known_place", {
        "work": "work", "the office": "work", "the airport": "airport", "the train station": "train station",
        "the station": "train station", "downtown": "downtown", "the city center": "downtown",
        "the hospital": "hospital"}),
    "category": SlotType("category", {
        "gas station": "fuel", "gas stations": "fuel", "gas": "fuel", "fuel": "fuel", "petrol station": "fuel",
        "petrol": "fuel", "charging station": "charging", "charging stations": "charging", "charger": "charging",
        "chargers": "charging", "charging": "charging", "coffee": "cafe", "coffee shop": "cafe",
        "coffee shops": "cafe", "cafe": "cafe", "parking": "parking", "parking lot": "parking",
        "car park": "parking", "parking spot": "parking", "restaurant": "restaurant", "restaurants": "restaurant",
        "food": "restaurant", "hotel": "hotel", "hotels": "hotel", "hospital": "hospital", "pharmacy": "pharmacy",
        "supermarket": "supermarket", "toilet": "toilets", "toilets": "toilets", "restroom": "toilets",
        "bathroom": "toilets",
    }),
    "need_to": SlotType("need_to", {"fill up the tank": "fuel", "get petrol": "fuel",
        "charge": "charging", "charge the car": "charging", "charge my car": "charging", "park": "parking",
        "get gas": "fuel", "refuel": "fuel", "fill up": "fuel", "get fuel": "fuel", "eat": "restaurant",
        "get something to eat": "restaurant", "get a coffee": "cafe", "get coffee": "cafe"}),
    "diet": SlotType("diet", {"vegetarian": "vegetarian", "veggie": "vegetarian", "vegan": "vegan",
                              "halal": "halal", "kosher": "kosher", "gluten free": "gluten_free"}),
    "side": SlotType("side", {"right": "right", "right hand side": "right", "left": "left",
                              "left hand side": "left"}),
    "size": SlotType("size", {"small": "small", "medium": "medium", "regular": "medium", "large": "large"}),
    "menu_item": SlotType("menu_item", {"latte": "latte", "cappuccino": "cappuccino", "americano": "americano",
                                        "tea": "tea", "coffee": "americano"}),
    "merchant": SlotType("merchant", {"bean there": "Bean There"}),
    "contact": SlotType("contact", {
        "mom": "Mom", "my mom": "Mom", "mum": "Mom", "my mum": "Mom", "dad": "Dad", "my dad": "Dad",
        "the office": "Office", "my office": "Office", "anna": "Anna", "roadside assistance": "Roadside Assistance",
    }),
    "status_item": SlotType("status_item", {
        "fuel": "fuel", "fuel level": "fuel", "gas": "fuel", "tank": "fuel", "gas level": "fuel",
        "battery": "battery", "charge": "battery", "battery level": "battery",
        "range": "range", "tire pressure": "tire_pressure", "tyre pressure": "tire_pressure",
        "tires": "tire_pressure", "tyres": "tire_pressure", "speed": "speed",
        "outside temperature": "outside_temperature",
    }),
    **TIME_EN,  # timers and reminders (cockpit/skills/builtin/timers.py)
}
