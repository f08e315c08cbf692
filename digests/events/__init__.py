"""Event matching for the digest: which items tell the same event, across outlets and languages.

lexicon.toml (the field's actors, programs and stage words, English and Chinese) → lexicon.py
(compiled once) → features.py (an item's weighted features and anchors; numbers.py, stage.py)
→ pairs.py (one pair scored, or refused) → link.py (candidate pairs and grouping) → face.py
(which telling leads). digests/cluster.py is the entry point.
"""
