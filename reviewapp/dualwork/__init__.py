"""The dual-work kernel: N people judge one item independently, the item settles by agreement or goes to a
conflict resolved by consensus or arbitration (screening now; data extraction and risk of bias next).

- `settle.py`  the pure rule (no Django): waiting / agreed(value) / disagreed, the blinding rule.
- `models.py`  abstract models: Judgement, Outcome (the consensus record), Conflict, Revision.
- `services.py` one service pattern (lock -> write -> settle -> event) that apps parametrise.
- `blinding.py` the blinding rule applied to querysets.

See ARCHITECTURE.md for how an app plugs in.
"""
