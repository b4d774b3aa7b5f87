"""The languages cockpit speaks and understands: number words in English and Mandarin, both ways.

Shared by the brain (slot vocabularies, parsing "twenty two" and "二十二") and the voice (speakable
replies), so neither depends on the other.
"""
