"""Privacy at rest: what the car keeps about the driver, minimised, bounded in time, theirs to see and erase.

- ``minimise``: what an audit or log line may hold (coordinates snapped; message bodies, phone numbers,
  e-mail addresses sealed as a salted hash plus a redacted preview);
- ``inventory``: every place cockpit keeps driver data (the README's "What cockpit keeps"), measured
  for ``cockpit privacy show``;
- ``controls``: privacy mode and "forget what I said today" for the running assistant, and the purge
  behind ``cockpit privacy purge``.

What may leave the car for a cloud model is cockpit/brain/privacy.py.
"""
