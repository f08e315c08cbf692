"""Twenty-eighth round of issue 9: no rule changed; the learned second opinion is fitted on every
set before the four it is tuned on, heldout36-39 then (the four sets that were clean then).
Since the thirty-seventh round it is fitted on every set up to heldout57 and tuned on
heldout58-61, the newest sets the rules were read on. The shipped file must be the one those
defaults give."""

from __future__ import annotations

import json
from importlib import resources

from feeds.tagging.train_similar import FIRST_TUNING, SETS, TUNING, TUNING_SETS, load_items


def test_thresholds_are_chosen_on_the_four_sets_after_the_training_sets() -> None:
    assert (FIRST_TUNING, TUNING_SETS) == (58, 4)
    assert [path.name for path in TUNING] == [f"tagger_heldout{n}.jsonl" for n in range(58, 62)]
    assert SETS[-1].name == "tagger_heldout57.jsonl"


def test_the_shipped_model_was_trained_on_the_default_sets() -> None:
    """A set added to training or tuning without retraining would leave this stale."""
    shipped = json.loads(
        resources.files("feeds.tagging").joinpath("similar.json").read_text("utf-8")
    )
    assert shipped["trained_on"] == {
        "items": len(load_items(SETS)),
        "tuned_on": len(load_items(TUNING)),
    }
    # the doubt thresholds sit under the add thresholds, where removing cannot undo an addition
    assert all(shipped["doubts"][name] < shipped["thresholds"][name] for name in shipped["doubts"])
