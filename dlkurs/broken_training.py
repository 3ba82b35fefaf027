"""Loss curves of broken training runs, for students to read."""
from __future__ import annotations

import json
from pathlib import Path

CURVES_FILE = Path(__file__).with_name("broken_training_curves.json")


def broken_training_runs() -> dict[str, list[float]]:
    """The loss curves of four training runs, under the letters ``"A"`` to ``"D"``.

    The model of notebook 01 was trained 100 iterations on one batch of MNIST, four times, each
    time with another deliberate error. Returns the mean cross-entropy per iteration of each run.
    Which error is behind which curve is the question of the exercise: read it from the curves.
    """
    with CURVES_FILE.open(encoding="utf-8") as file:
        return {letter: [float(loss) for loss in losses] for letter, losses in json.load(file).items()}
