"""The grader's learned weights are what `tools/train_grader.py` makes of the labelled answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "llmquiz" / "grading" / "data"


def test_the_shipped_weights_name_their_data_and_both_encoders() -> None:
    rows = sum(1 for line in (REPO / "bench" / "data" / "corpus.jsonl").open(encoding="utf-8") if line.strip())
    for name in ("scorer.json", "judges.json"):
        meta = json.loads((DATA / name).read_text(encoding="utf-8"))
        assert set(meta["models"]) == {"minilm", "hashing"}
        assert len(meta["writers"]) >= 6  # five corpus writers and the older dev set
        assert "w1" not in meta["writers"]  # the held-out writer is never read by the fit
        assert meta["rows"] > rows  # every training answer read twice (card and reference) plus dev


def test_the_judges_are_small() -> None:
    # A few KB: weights that travel with the package, on top of the MiniLM the README installs.
    assert (DATA / "judges.json").stat().st_size < 20_000
    assert (DATA / "scorer.json").stat().st_size < 20_000


@pytest.mark.slow
def test_training_reproduces_the_shipped_weights(tmp_path: Path) -> None:
    """A full refit (about 20 minutes on 2 cores, most of it reading the answers) gives the shipped files:
    byte for byte on the machine that fitted them, elsewhere the same grades within the tolerances that
    `train_grader.py --check` states (another CPU's maths library changes the last digits)."""
    env = {**os.environ, "LLMQUIZ_HOME": str(tmp_path)}
    res = subprocess.run([sys.executable, str(REPO / "tools" / "train_grader.py"), "--check", "--quiet"],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=3600)
    assert res.returncode == 0, res.stdout + res.stderr


def _train_grader() -> Any:  # the tools/ script, imported as a module
    sys.path.insert(0, str(REPO / "tools"))
    import train_grader

    return train_grader


def test_an_interval_label_pulls_the_score_into_its_interval() -> None:
    # Accept and reject samples say "correct" and "wrong", not which score: the fit takes the interval.
    import numpy as np

    tg = _train_grader()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 1))
    lo = np.where(x[:, 0] > 0.5, 4, np.where(x[:, 0] < -0.5, 0, 2))
    hi = np.where(x[:, 0] > 0.5, 5, np.where(x[:, 0] < -0.5, 1, 3))
    w = np.ones(300)
    import llmquiz.grading.features as features

    xs = np.hstack([x, np.zeros((300, len(features.NAMES) - 1))])
    model = tg.fit(xs, (lo, hi), w, hidden=0, steps=400)
    shown = tg.predict(model, xs)
    assert np.mean((shown >= lo) & (shown <= hi)) > 0.9


def test_the_check_tells_other_digits_from_other_weights() -> None:
    tg = _train_grader()
    shipped = {"models": {"minilm": {"coef": [0.5, -1.25], "cuts": [1.0, 2.0]}}, "rows": 10}
    digits = {"models": {"minilm": {"coef": [0.500001, -1.25], "cuts": [1.0, 2.000002]}}, "rows": 10}
    problems, worst = tg._leaves(shipped, digits)
    assert problems == [] and worst == pytest.approx(2e-6)
    other_data = {**digits, "rows": 11}
    assert tg._leaves(shipped, other_data)[0] == ["rows: 10 shipped, 11 in the fresh fit"]
    other_shape = {"models": {"minilm": {"coef": [0.5], "cuts": [1.0, 2.0]}}, "rows": 10}
    assert tg._leaves(shipped, other_shape)[0] == ["models.minilm.coef: 2 values shipped, 1 in the fresh fit"]


def test_the_check_passes_other_last_digits_and_fails_other_behaviour() -> None:
    import numpy as np

    tg = _train_grader()
    shipped = json.loads((DATA / "scorer.json").read_text(encoding="utf-8"))
    model = shipped["models"]["minilm"]
    rng = np.random.default_rng(0)
    x = np.asarray(model["mean"]) + rng.normal(size=(500, len(model["mean"]))) * np.asarray(model["scale"])
    lo = np.array([{0: 0, 1: 0, 2: 2, 3: 2, 4: 4, 5: 4}[int(s)] for s in tg.predict(model, x)])
    inputs = {"minilm": (x, [], lo)}

    def fresh(change: Any) -> dict[str, Any]:
        m = json.loads(json.dumps(model))
        m["coef"] = [change(c) for c in m["coef"]]
        return {"models": {"minilm": m}}

    assert tg.behaviour(shipped, fresh(lambda c: c + 1e-6), inputs, "scorer") == []
    problems = tg.behaviour(shipped, fresh(lambda c: -c), inputs, "scorer")
    assert len(problems) == 1 and "behaves differently" in problems[0]
