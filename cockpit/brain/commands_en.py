"""The English vehicle-command grammar: the one source for the fast path and the recogniser.

Each rule is (tool name, pattern, fixed arguments); slot values fill the remaining arguments
(and override a fixed one: "make it *slightly* warmer" turns the plain step 2 into 1). A slot
written ``{arg:slot?}`` may be left out, and ``ASK`` in the fixed arguments names an argument
the words never give ("open *her* window"): such a match is partial and the fast path asks
:data:`QUESTIONS`. Add a variant here and both the parser and the JSGF the recogniser listens
with learn it. Slot vocabularies: :mod:`cockpit.brain.vocab_en`.
"""
from __future__ import annotations

import re

from cockpit.brain.grammar import ASK
from cockpit.brain.vocab_en import SLOTS  # noqa: F401  (re-exported: the grammar module's slots)

SET = "(set | change | put | turn | adjust)"
HEAT = "[the] [cabin | car] (temperature | heat | heating | thermostat | climate)"
DEG = "{celsius:temperature} [degrees] [celsius]"
FEEL = "(i'm | i am | it's | it is | i feel | i'm feeling | it feels | it's getting | it is getting) [~not]"
HERE = "[in here | in the car]"
FIND = "(find | show me | search for | look for | is there | are there) [me] (a | an | any | some)"
EATERY = "(place | places | restaurant | restaurants | food | spot | place to eat)"
OPEN_NOW = "(that's | that is | which is | that are | that's still) open [now | right now]"
WHAT = "(what's | what is | what are)"
NEAR = "[nearby | near me | around here | close by | near here]"
OPEN = "(open | open up | lower | roll down | put down | wind down)"
CLOSE = "(close | shut | raise | roll up | put up | wind up)"
AIR = "[the] (air conditioning | air conditioner | a c | air con)"
DEFROST = "(defroster | defrost | defogger | demister)"
HEATER = "(seat heating | seat heater | seat warmer | heated seat | seat heat)"
SEATS = "(seat heating | seat heater | heated seats | seat heaters)"
VOL = "(volume | music | sound | radio)"
NAV = ("(navigate | navigate me | take me | drive me | bring me | get me | directions | get directions | find a route | route me"
       " | set the destination | set destination | start navigation | start navigating)")
GO = ("(go | drive | head | let's go | let's head | i want to go | i need to go | i need to get | i'd like to go"
      " | we're going)")

# (tool, pattern, fixed arguments)
RULES: list[tuple[str, str, dict]] = [
    # climate: temperature, absolute
    ("climate_set_temperature", f"{SET} {HEAT} [(to | at | on) {{celsius:temperature?}} [degrees] [celsius]]", {}),
    ("climate_set_temperature", f"{SET} [the] {{zone:zone}} [side] (temperature | heat) (to | at) {DEG}", {}),
    ("climate_set_temperature", f"{SET} [the] (temperature | heat) (on | for) {{zone:zone_place}} (to | at) {DEG}", {}),
    ("climate_set_temperature", f"{SET} [the] (temperature | heat) (to | at) {DEG} (on | for) {{zone:zone_place}}", {}),
    ("climate_set_temperature", f"(make it | set it to | i want it [at] | keep it at) {DEG} {HERE}", {}),
    ("climate_set_temperature", f"{SET} [the] {{zone:zone}} side (to | at) {{celsius:temperature}} degrees [celsius]", {}),
    ("climate_set_temperature", f"temperature [to | at] {DEG}", {}),
    ("climate_set_temperature", "{celsius:temperature} degrees", {}),
    # climate: temperature, relative ("a bit" is the plain step; "slightly" one; "way" three)
    ("climate_set_temperature", f"[make it | make the car | set it | i'd like it | i want it] [{{delta:warmer}}] (warmer | hotter) "
                                f"[{{delta:warmer}}] {HERE}", {"delta": 2}),
    ("climate_set_temperature", f"[make it | make the car | set it | i'd like it | i want it] [{{delta:cooler}}] (cooler | colder) "
                                f"[{{delta:cooler}}] {HERE}", {"delta": -2}),
    ("climate_set_temperature", f"{FEEL} [{{delta:cold_adverb}}] (cold | chilly) {HERE}", {"delta": 2}),
    ("climate_set_temperature", f"{FEEL} [{{delta:cold_adverb}}] freezing {HERE}", {"delta": 3}),
    ("climate_set_temperature", f"{FEEL} [{{delta:hot_adverb}}] (hot | warm | sweating | stuffy) {HERE}", {"delta": -2}),
    ("climate_set_temperature", f"{FEEL} [{{delta:hot_adverb}}] (boiling | roasting) {HERE}", {"delta": -3}),
    ("climate_set_temperature", "(warm | heat) ((it | me | us | things) up | up (the car | the cabin | the car a bit))"
                                " [{delta:warmer}]", {"delta": 2}),
    ("climate_set_temperature", "cool ((it | me | us | things) down | down (the car | the cabin)) [{delta:cooler}]",
     {"delta": -2}),
    ("climate_set_temperature", f"(turn up {HEAT} | turn {HEAT} up | (raise | increase | bump up) {HEAT} | bump {HEAT} "
                                "up | temperature up) [{delta:warmer} | [by] {delta:degrees_up} (degree | degrees)]",
     {"delta": 2}),
    ("climate_set_temperature", f"(turn down {HEAT} | turn {HEAT} down | (lower | decrease | reduce | drop) {HEAT} | "
                                "temperature down) [{delta:cooler} | [by] {delta:degrees_down} (degree | degrees)]",
     {"delta": -2}),
    # climate: fan, AC, defrost
    ("climate_set_fan", f"{SET} [the] (fan | fan speed | fans | blower) [(to | at | on) [level | speed] "
                        "{level:level?}]", {}),
    ("climate_set_fan", "fan [speed | level] [to | on | at] [level] {level:level}", {}),
    ("climate_set_fan", "(max | maximum | full) fan | turn the fan all the way up", {"level": 10}),
    ("climate_set_fan", "(turn | switch) (off the fan | the fan off) | fan off | (stop | kill) the fan", {"level": 0}),
    ("climate_set_fan", "(turn | switch) (on the fan | the fan on | up the fan | the fan up | down the fan | "
                        "the fan down) [to [level] {level:level?}]", {}),
    ("climate_set_ac", f"(turn | switch | put) (on {AIR} | {AIR} on) | (start | run) {AIR} | {AIR} on", {"on": True}),
    ("climate_set_ac", f"(turn | switch | put) (off {AIR} | {AIR} off) | (stop | kill) {AIR} | {AIR} off",
     {"on": False}),
    ("climate_set_defrost", "(defrost | demist | defog | clear) the {window:defrost_glass}", {"on": True}),
    ("climate_set_defrost", f"(turn | switch) (on the [{{window:defrost_pos}}] {DEFROST} | the [{{window:defrost_pos}}] "
                            f"{DEFROST} on)", {"on": True}),
    ("climate_set_defrost", "the {window:defrost_glass} is [all | getting] (fogging up | fogged up | misting up | "
                            "steamed up | foggy | fogged)", {"on": True}),
    ("climate_set_defrost", f"(turn | switch) (off the [{{window:defrost_pos}}] {DEFROST} | the [{{window:defrost_pos}}] "
                            f"{DEFROST} off) | stop defrosting", {"on": False}),
    # seat heating: whose seat may be asked back ("Seat heating for you or the passenger?")
    ("seat_heating", f"(turn | switch | put) (on [the] [{{seat:seat?}}] {HEATER} | [the] [{{seat:seat?}}] {HEATER} on) "
                     "[{seat:seat_for}]", {"level": 3}),
    ("seat_heating", f"(turn | switch) (off [the] [{{seat:seat?}}] {HEATER} | [the] [{{seat:seat?}}] {HEATER} off) "
                     "[{seat:seat_for}]", {"level": 0}),
    ("seat_heating", f"({SET} [the] [{{seat:seat?}}] {HEATER} (to | on | at) | [the] [{{seat:seat?}}] {HEATER} [to | on]) "
                     "[level] {level:heat_level} [{seat:seat_for}]", {}),
    ("seat_heating", f"turn (up [the] [{{seat:seat?}}] {HEATER} | [the] [{{seat:seat?}}] {HEATER} up) [to [level] "
                     "{level:heat_level?}]", {}),
    ("seat_heating", "(heat | warm | warm up) {seat:seat} seat [up] | {seat:seat} seat is (cold | freezing)",
     {"level": 3}),
    # windows: open fully unless "a bit" (25) or "halfway" (50)
    ("window_set", f"{OPEN} {{window:windows}} [{{position:openness}}]", {"position": 100}),
    ("window_set", "(roll | put | wind) {window:windows} down [{position:openness}]", {"position": 100}),
    ("window_set", "crack {window:windows} [open]", {"position": 25}),
    ("window_set", f"({OPEN} | {SET}) {{window:windows}} to {{position:percent}} [percent]", {}),
    ("window_set", "open {window:windows} {position:percent} percent", {}),
    ("window_set", f"{CLOSE} {{window:windows}} [all the way]", {"position": 0}),
    ("window_set", "(roll | put | wind) {window:windows} up", {"position": 0}),
    ("window_set", "{window:bare_window} down", {"position": 100}),
    ("window_set", "{window:bare_window} up", {"position": 0}),
    # media
    ("media_control", "{action:media_action} [the] (music | song | track | media | radio | playback | audio)", {}),
    ("media_control", "{action:media_action}", {}),
    ("media_control", "(skip | next) [this | the] (song | track | one) | (play | go to) the next (song | track)",
     {"action": "next"}),
    ("media_control", "go back [a track | a song | one song | one track] | (previous | last) (song | track | one) | "
                      "play the (previous | last) (song | track) [again]", {"action": "previous"}),
    ("media_control", "(play | start) [some] music | (continue | keep) playing | start the music [again] | "
                      "turn the music back on", {"action": "resume"}),
    ("media_control", "(turn | switch) (off the (music | radio) | the (music | radio) off) | (stop | pause) (playing | it | "
                      "this) | pause the song", {"action": "pause"}),
    ("media_control", "skip (it | this | that)", {"action": "next"}),
    ("media_volume", f"{SET} [the] volume [(to | at | on) [level] {{level:level?}}]", {}),
    ("media_volume", "volume [to | at] [level] {level:level}", {}),
    ("media_volume", "(max | maximum | full) volume | turn the volume all the way up", {"level": 10}),
    ("media_volume", f"turn (up [the] {VOL} | [the] {VOL} up | it up) [{{delta:louder}} | by {{delta:degrees_up}}] | "
                     f"(increase | raise | boost) [the] {VOL} [{{delta:louder}}] | volume up [{{delta:louder}}] | "
                     "[make (it | the music | the radio | the sound)] [{delta:louder}] louder [{delta:louder}] | "
                     "i can't hear the (music | radio)",
     {"delta": 2}),
    ("media_volume", f"(crank | pump) (up [the] {VOL} | [the] {VOL} up | it up)", {"delta": 3}),
    ("media_volume", f"turn (down [the] {VOL} | [the] {VOL} down | it down) [{{delta:quieter}} | by "
                     f"{{delta:degrees_down}}] | (decrease | lower | reduce) [the] {VOL} [{{delta:quieter}}] | "
                     "volume down [{delta:quieter}] | [make (it | the music | the radio | the sound)] [{delta:quieter}] "
                     "(quieter | softer) [{delta:quieter}]",
     {"delta": -2}),
    ("media_volume", "(it's | it is | that's | that is | this is | the music is) [~not] [{delta:loud_adverb}] too loud",
     {"delta": -2}),
    ("media_volume", "(mute | silence) [the] [music | audio | sound | radio] | (turn | switch) (off the sound | "
                     "the sound off) | sound off", {"mute": True}),
    ("media_volume", "unmute [the] [music | audio | sound | radio] | (turn | switch) (on the sound | the sound "
                     "[back] on) | sound on", {"mute": False}),
    # navigation: free-text destinations only after an unmistakable verb
    ("navigate_to", f"{NAV} to {{destination:place}}", {}),
    ("navigate_to", f"{GO} to {{destination:known_place}}", {}),
    ("navigate_to", f"({NAV} | {GO}) home", {"destination": "home"}),
    ("navigate_to", f"({NAV} | {GO}) downtown", {"destination": "downtown"}),
    ("navigation_cancel", "(cancel | stop | end | exit | quit | turn off | close) [the] (navigation | route | "
                          "route guidance | guidance | directions) | stop navigating", {}),
    ("find_nearby", f"(find | show me | search for | look for | where is | where's | locate) [me] [a | an | the | some] "
                    f"[nearest | closest | nearby] {{category:category}} {NEAR}", {}),
    ("find_nearby", f"(nearest | closest) {{category:category}} | (any | are there any) {{category:category}} {NEAR}",
     {}),
    ("find_nearby", "i [~don't] need [a | some | to find a] {category:category} | i'm [~not] hungry",
     {"category": "restaurant"}),
    ("find_nearby", f"is there (a | an | any) {{category:category}} {NEAR}", {}),
    ("find_nearby", f"((i need to | where can i | i want to) | (find | show) [me] (somewhere | a place | a spot) to) "
                    f"{{category:need_to}} {NEAR}", {}),
    ("find_nearby", f"{FIND} {{category:category}} {OPEN_NOW}", {"open_now": True}),
    ("find_nearby", f"{FIND} {{diet:diet}} {EATERY} {OPEN_NOW}", {"category": "restaurant", "open_now": True}),
    ("find_nearby", f"{FIND} {{diet:diet}} {EATERY} {NEAR}", {"category": "restaurant"}),
    ("find_nearby", f"where can i (get | eat) {{diet:diet}} food {NEAR}", {"category": "restaurant"}),
    ("find_nearby", f"is (anything | any place | anywhere) open (to eat | for food) {NEAR}",
     {"category": "restaurant", "open_now": True}),
    # what the driver sees: position + heading + the map
    ("whats_around", f"{WHAT} [(that | this) [building | place]] on (my | the) {{side:side}}", {}),
    ("whats_around", f"{WHAT} (that | this) [building | place] [up] (ahead | in front of (me | us))", {"side": "ahead"}),
    ("whats_around", f"{WHAT} (up ahead | ahead of (me | us) | in front of (me | us))", {"side": "ahead"}),
    ("whats_around", f"{WHAT} around (me | us | here)", {"side": "around"}),
    # commerce and calls: transactions — the policy gate reads them back and waits for the driver's yes
    ("place_order", "order (a | one) {size:size} {item:menu_item} from {merchant:merchant}", {}),
    ("place_order", "order (a | one) {item:menu_item} from {merchant:merchant}", {}),
    ("phone_call", "(call | phone | ring | dial) {contact:contact} | give {contact:contact} a call", {}),
    # vehicle status
    ("vehicle_status", "(what's | what is | how's | how is | check) [my | the] {item:status_item} [level | status | at]"
                       " | (are | is) [my | the] {item:status_item} [okay | ok | fine | alright | good]", {}),
    ("vehicle_status", "how much {item:status_item} [do i have | have i got | is there | is | is there still] [left]", {}),
    ("vehicle_status", "{item:status_item} level", {}),
    ("vehicle_status", "how far can i (go | drive) | how many (kilometers | kilometres | miles) (can i (go | drive) | "
                       "do i have left | are left | left) | what's my range", {"item": "range"}),
    ("vehicle_status", "how fast am i (going | driving) | (what's | what is) my speed | what speed am i (doing | "
                       "going | driving at)", {"item": "speed"}),
    ("vehicle_status", "(what's | what is) the temperature outside | how (cold | warm | hot) is it outside",
     {"item": "outside_temperature"}),
]

PARTIAL_RULES: list[tuple[str, str, dict]] = [
    ("seat_heating", f"(turn | switch) on the {SEATS} [{{seat:seat_for}}]", {"level": 3, "seat": ASK}),
    ("seat_heating", f"(turn | switch) off the {SEATS}", {"level": 0, "seat": ASK}),
    ("window_set", f"{OPEN} (a | her | his | their | one | one of the | the other) (window | windows) [{{position:openness}}]",
     {"window": ASK, "position": 100}),
    ("window_set", f"{CLOSE} (a | her | his | their | one | one of the | the other) (window | windows)", {"window": ASK, "position": 0}),
    ("navigate_to", "(start | begin) navigation | navigate | navigation | take me somewhere", {"destination": ASK}),
    ("phone_call", "make a [phone] call | call someone | place a call", {"contact": ASK}),
]
"""Commands that never name one argument: always asked back."""

QUESTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("seat_heating", "seat"): ("Seat heating for you or the passenger?", "seat_answer"),
    ("seat_heating", "level"): ("Which level, from one to three?", "heat_level"),
    ("climate_set_temperature", "celsius"): ("What temperature would you like?", "temperature"),
    ("climate_set_fan", "level"): ("Which fan level, from one to ten?", "level"),
    ("media_volume", "level"): ("What volume, from zero to ten?", "level"),
    ("window_set", "window"): ("Which window: yours, the passenger's, the back or all of them?", "window_answer"),
    ("navigate_to", "destination"): ("Where to?", "place"),
    ("phone_call", "contact"): ("Who should I call?", "contact"),
}
"""(tool, missing argument) -> (what the fast path asks, the slot its answer is parsed with)."""

LATER_TOOLS = frozenset({"set_timer", "set_reminder"})
"""Tools whose whole point is later ("remind me to call Anna when I arrive"): words for later that match
one of their rules are that request, not a request deferred (cockpit/brain/understand/frontend.py)."""

DIALOG = ["yes", "yes please", "yes pay", "confirm", "do it", "go ahead", "no", "no thanks", "cancel", "stop",
          "what"]
"""Answers to a read-back. Not commands: the recogniser must hear them, the policy gate judges them."""

POLITE_PREFIX = ("(please | can you | could you | would you | would you please | can you please | could you please"
                 " | will you | i want you to | i'd like you to | go ahead and)")
POLITE_SUFFIX = "(please | thanks | thank you | for me | for me please)"

NOT_COMMAND_LEAD = ("(don't | do not | please don't | no don't | never | did you | have you | should i | should we | "
                    "can i | could i | do i need to | is it okay to | why did you | tell my wife to | tell my husband to | "
                    "tell the kids to | tell him to | tell her to | ask the passenger to | remind me to)")
NOT_COMMAND_TAIL = "(when we get home | when we get there | later | in five minutes | tomorrow)"
"""For the recogniser only (the JSGF, never the parser): commands said with these around them can be
HEARD as such, instead of being forced into the bare command; the front end then refuses them."""
COMMON_WORDS = ("the a an i you it is are was to of and in on for my me what how why who where when that this "
                "do don't did can could would should will not no yes please tell about like good time today "
                "tomorrow weather love nice long day really so very here there know think want need get go "
                "going have has had been be just one two some more much hello hi thanks thank okay name joke "
                "game kids wife husband she he they we our your make made news rain sun who's what's it's i'm "
                "that's we're there's out sing song story funny tired hungry happy bored work football movie "
                "doing sorry never mind nothing great beautiful dinner wallet").split()
"""Everyday words for the recogniser's loop of other speech (``FastPath.jsgf(reject="loop")``), without the
commands' own verbs and nouns (window, volume, turn, open ...), so a command is never heard as the loop."""

_CLEAN = re.compile(r"[^\w\s'.%°-]")


def normalize(text: str) -> str:
    """Typed or recognised text -> the grammar's lower-case, single-spaced form."""
    t = text.lower().replace("’", "'")
    t = re.sub(r"(\d)\s*(?:°\s*c?|degrees?)\b", r"\1 degrees", t)
    t = re.sub(r"(\d)\s*%", r"\1 percent", t)
    t = re.sub(r"\ba/?c\b|\ba\.c\.?(?!\w)", "a c", t)
    t = re.sub(r"\bair[- ]?con\b", "air con", t)
    t = re.sub(r"\bair-condition", "air condition", t)
    t = _CLEAN.sub(" ", t)
    t = re.sub(r"(?<!\d)[.-]|[.-](?!\d)", " ", t)  # keep decimal points and minus signs only
    t = re.sub(r"^(hey |ok |okay |hi )?cockpit\b", " ", t.strip())
    return " ".join(t.split())
