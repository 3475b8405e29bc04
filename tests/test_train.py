"""Training end to end on a few hundred images: folder contents, resume, and evaluation.

Needs TensorFlow (pip install .[train]); takes about a minute on two cores.
"""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from hcr.cli import main  # noqa: E402
from hcr.evaluate import compute_metrics  # noqa: E402
from hcr.runtime import Recognizer  # noqa: E402


def test_quick_training_run_resume_and_export(tmp_path, letter_png):
    common = ["--limit", "384", "--models-dir", str(tmp_path / "models"),
              "--runs-dir", str(tmp_path / "runs"), "--name", "tiny",
              "--finetune-epochs", "0"]
    assert main(["train", *common, "--epochs", "1", "--no-evaluate"]) == 0
    history = tmp_path / "runs" / "tiny" / "history.csv"
    assert len(history.read_text().strip().splitlines()) == 1 + 1

    # An interrupted run continues from its last epoch instead of starting again.
    assert main(["train", *common, "--epochs", "2", "--resume", "--no-evaluate"]) == 0
    lines = history.read_text().strip().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1"]

    # Stage 2 alone, from the stage-1 checkpoint: the canvas fine-tune on re-strokes.
    assert main(["train", *common[:-1], "1", "--from-checkpoint", "--no-evaluate"]) == 0
    run = tmp_path / "runs" / "tiny"
    assert len((run / "finetune.csv").read_text().strip().splitlines()) == 1 + 1
    assert not (run / "finetune-backup").exists()  # per-epoch state, removed once finished
    assert len(np.load(run / "restrokes.npz")["train"]) == 384

    folder = tmp_path / "models" / "tiny"
    for name in ("model.keras", "model.tflite", "labels.json", "training.json", "history.csv"):
        assert (folder / name).is_file(), name
    facts = json.loads((folder / "training.json").read_text())
    assert facts["hyperparameters"]["train_images"] == 384
    assert "validation_accuracy_int8" in facts["litert"]
    assert facts["canvas_finetune"]["epochs"] == 1 and facts["canvas_finetune"]["restrokes"] == 384
    # The exported model serves through the runtime, without TensorFlow's help.
    prediction = Recognizer(folder).predict_bytes(letter_png[0], top=3)
    assert len(prediction.top) == 3 and prediction.model_input.shape == (28, 28)


def test_stage_one_trains_on_restrokes_unless_told_not_to(tmp_path):
    import keras

    def steps_and_facts(name, *flags):
        assert main(["train", "--limit", "256", "--epochs", "1", *flags,
                     "--models-dir", str(tmp_path / "models"), "--runs-dir",
                     str(tmp_path / "runs"), "--name", name, "--no-evaluate"]) == 0
        best = keras.models.load_model(tmp_path / "runs" / name / "best.keras")
        facts = json.loads((tmp_path / "models" / name / "training.json").read_text())
        return int(best.optimizer.iterations), facts

    # The default recipe: each image and its re-stroke, 512 // 128 steps; no stage 2.
    steps, facts = steps_and_facts("mixed")
    assert steps == 4 and facts["restroked_images_in_stage_1"] == 256
    assert len(np.load(tmp_path / "runs" / "mixed" / "restrokes.npz")["train"]) == 256
    assert "canvas_finetune" not in facts
    # Clean images alone: 256 // 128 steps.
    steps, facts = steps_and_facts("clean", "--no-restrokes-in-stage-1")
    assert steps == 2 and "restroked_images_in_stage_1" not in facts


def test_metrics_fold_case_and_count_top3():
    from hcr.charset import INDEX
    labels = np.array([INDEX["c"], INDEX["O"], INDEX["a"], INDEX["1"]])
    probabilities = np.zeros((4, 62))
    # Each row's top three, explicit, so no tie decides anything.
    top3 = [("C", "G", "e"),   # case error on a merged pair: right when case is folded
            ("0", "O", "D"),   # O read as zero: wrong either way, but in the top 3
            ("a", "d", "o"),   # right
            ("l", "I", "7")]   # 1 read as l: wrong, and 1 not in the top 3
    for row, chars in enumerate(top3):
        for char, p in zip(chars, (0.9, 0.06, 0.04)):
            probabilities[row, INDEX[char]] = p
    metrics = compute_metrics(labels, probabilities)
    assert metrics["accuracy"] == 0.25
    assert metrics["merged_case_accuracy"] == 0.5
    assert metrics["top3_accuracy"] == 0.5
    assert metrics["most_confused"][0]["count"] == 1
    assert sum(c["support"] for c in metrics["per_class"]) == 4
