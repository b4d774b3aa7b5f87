"""The grammar's commands as a driver says them, without a wake phrase: one list for the
recognition score (measure_recognition.py) and the wake-word corpus (wake_corpus.py)."""

COMMANDS = [
    "set the temperature to twenty two degrees", "set the passenger temperature to nineteen degrees",
    "make it warmer", "I'm cold", "it's too hot in here", "lower the temperature",
    "set the fan speed to three", "turn off the fan", "turn on the air conditioning", "switch off the a c",
    "open my window a bit", "open the passenger window halfway", "close all the windows", "close the window",
    "pause the music", "resume the music", "next track", "go back", "set the volume to five",
    "turn it down", "turn it up", "mute", "unmute the radio",
    "navigate to the airport", "take me home", "navigate to work",
    "find the nearest gas station", "is there a coffee shop nearby", "find a charging station",
    "what's my fuel level", "how far can I go", "check the tyre pressure", "what is the outside temperature",
]
