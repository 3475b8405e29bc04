"""Score a model folder on the test split: metrics.json, plots and the model card.

The figures are those of the model as served: model.tflite through the LiteRT runtime.
Where TensorFlow is installed, the float Keras model is scored beside it, so the cost of
quantisation is measured rather than assumed.
"""

import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from hcr import data
from hcr.charset import FOLDED, LABELS, NUM_CLASSES, charset_mask, group_of
from hcr.runtime import LiteRTModel

TOP_CONFUSIONS = 20
EXAMPLES_PER_PAIR = 8
MISCLASSIFIED_GRID = (8, 12)


def summary(labels, probabilities):
    """Headline accuracies of one set of predictions."""
    predicted = probabilities.argmax(axis=1)
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    return {
        "images": int(len(labels)),
        "accuracy": float((predicted == labels).mean()),
        "merged_case_accuracy": float((FOLDED[predicted] == FOLDED[labels]).mean()),
        "top3_accuracy": float((top3 == labels[:, None]).any(axis=1).mean()),
    }


def restricted_accuracy(labels, probabilities, charset):
    """Accuracy on the images of a charset when the answer is restricted to that charset."""
    mask = charset_mask(charset)
    inside = mask[labels]
    predicted = np.where(mask, probabilities[inside], -1).argmax(axis=1)
    return float((predicted == labels[inside]).mean())


def most_confused(matrix, count=TOP_CONFUSIONS):
    off_diagonal = matrix.copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(-off_diagonal, axis=None)[:count]
    pairs = []
    for flat in order:
        true, predicted = np.unravel_index(flat, matrix.shape)
        if off_diagonal[true, predicted] == 0:
            break
        pairs.append({"true": LABELS[true], "predicted": LABELS[predicted],
                      "count": int(off_diagonal[true, predicted]),
                      "share_of_true": float(off_diagonal[true, predicted] / matrix[true].sum())})
    return pairs


def compute_metrics(labels, probabilities):
    predicted = probabilities.argmax(axis=1)
    metrics = summary(labels, probabilities)
    groups = np.array([group_of(LABELS[i]) for i in labels])
    metrics["accuracy_by_group"] = {
        g: float((predicted[groups == g] == labels[groups == g]).mean())
        for g in ("digit", "upper", "lower") if (groups == g).any()}
    metrics["accuracy_with_charset"] = {
        c: restricted_accuracy(labels, probabilities, c) for c in ("digits", "letters")}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            labels, predicted, labels=range(NUM_CLASSES), average=average, zero_division=0)
        metrics[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    p, r, f, support = precision_recall_fscore_support(
        labels, predicted, labels=range(NUM_CLASSES), zero_division=0)
    metrics["per_class"] = [
        {"char": LABELS[i], "precision": float(p[i]), "recall": float(r[i]),
         "f1": float(f[i]), "support": int(support[i])} for i in range(NUM_CLASSES)]
    matrix = confusion_matrix(labels, predicted, labels=range(NUM_CLASSES))
    metrics["confusion_matrix"] = matrix.tolist()
    metrics["most_confused"] = most_confused(matrix)
    return metrics


def keras_probabilities(model_dir, images):
    """Float reference from model.keras, or None without it or without TensorFlow."""
    if not (Path(model_dir) / "model.keras").exists():
        return None
    try:
        import keras
    except ImportError:
        return None
    model = keras.models.load_model(Path(model_dir) / "model.keras")
    logits = model.predict(images[..., None], batch_size=1024, verbose=0)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def evaluate_realworld(model, test, count=None, processes=None, progress=print):
    """Accuracy on the first `count` test images as clean PNGs, canvas drawings and phone
    photos, each through the serving path (bytes -> decode -> preprocess -> LiteRT).

    Returns (figures per kind, worst misreadings per kind for the dashboard's examples).
    """
    from hcr import realworld

    count = min(count or realworld.DEFAULT_COUNT, len(test.images))
    labels = test.labels[:count]
    figures, worst = {}, {}
    for kind in realworld.KINDS:
        started = time.time()
        inputs, found, submitted = realworld.model_inputs(kind, test.images[:count], processes)
        probabilities = model.probabilities(inputs)
        probabilities[~found] = 0.0  # no answer is a wrong answer
        figures[kind] = {**summary(labels, probabilities),
                         "no_character_found": int((~found).sum())}
        true_p = probabilities[np.arange(count), labels]
        wrong = np.flatnonzero(probabilities.argmax(axis=1) != labels)
        worst[kind] = [(int(i), submitted[i], inputs[i], LABELS[probabilities[i].argmax()]
                        if found[i] else "none") for i in wrong[np.argsort(true_p[wrong])][:8]]
        progress(f"  {kind}: exact {figures[kind]['accuracy']:.2%}, merged-case "
                 f"{figures[kind]['merged_case_accuracy']:.2%} on {count} images "
                 f"({time.time() - started:.0f} s)")
    return figures, worst


def evaluate(model_dir, data_dir=data.DEFAULT_DATA_DIR, plots=True, realworld_count=None,
             progress=print):
    """Score model_dir on the test split and write metrics.json (and plots) into it."""
    model_dir = Path(model_dir)
    test = data.load_test(data_dir)
    images = test.images.astype(np.float32) / 255.0
    model = LiteRTModel(model_dir / "model.tflite")
    started = time.time()
    probabilities = model.probabilities(images)
    seconds = time.time() - started
    metrics = {"model": model_dir.name, "test_file": data.test_file(data_dir).name,
               "evaluated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "litert_seconds": seconds, **compute_metrics(test.labels, probabilities)}
    if realworld_count != 0:
        metrics["realworld"], worst = evaluate_realworld(model, test, realworld_count,
                                                         progress=progress)
    float_probabilities = keras_probabilities(model_dir, images)
    if float_probabilities is not None:
        metrics["float_keras"] = summary(test.labels, float_probabilities)
    (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    progress(f"{model_dir.name}: accuracy {metrics['accuracy']:.2%}, merged-case "
             f"{metrics['merged_case_accuracy']:.2%}, top-3 {metrics['top3_accuracy']:.2%}")
    if plots:
        from hcr import plots as plotting
        plotting.write_all(model_dir, metrics, test, probabilities)
        if metrics.get("realworld"):
            plotting.realworld_examples(worst, test, model_dir / "realworld_examples.png")
    write_model_card(model_dir)
    return metrics


def _pct(value):
    return f"{100 * value:.2f}%"


def write_model_card(model_dir):
    model_dir = Path(model_dir)
    m = json.loads((model_dir / "metrics.json").read_text())
    training_path = model_dir / "training.json"
    t = json.loads(training_path.read_text()) if training_path.exists() else {}
    hp = t.get("hyperparameters", {})
    lite = t.get("litert", {})
    groups = m["accuracy_by_group"]
    lines = [
        f"# Model card: {model_dir.name}",
        "",
        "Recognises one handwritten character: digits 0-9, A-Z and a-z (62 classes, EMNIST "
        "byclass labels).",
        "",
        "## Results on the hcr test split",
        f"{m['images']:,} images of `{m['test_file']}` (never used for training, tuning or "
        f"choosing checkpoints), scored with `model.tflite` through the LiteRT runtime "
        f"(`hcr evaluate --model models/{model_dir.name}`):",
        "",
        "| metric | value |",
        "|---|---|",
        f"| exact 62-class accuracy | {_pct(m['accuracy'])} |",
        f"| merged-case accuracy (C I J K L M O P S U V W X Y Z folded) | "
        f"{_pct(m['merged_case_accuracy'])} |",
        f"| top-3 accuracy | {_pct(m['top3_accuracy'])} |",
        f"| digits / upper / lower | {_pct(groups['digit'])} / {_pct(groups['upper'])} / "
        f"{_pct(groups['lower'])} |",
        f"| digits only (charset=digits) / letters only (charset=letters) | "
        f"{_pct(m['accuracy_with_charset']['digits'])} / "
        f"{_pct(m['accuracy_with_charset']['letters'])} |",
        f"| macro precision / recall / F1 | {m['macro']['precision']:.4f} / "
        f"{m['macro']['recall']:.4f} / {m['macro']['f1']:.4f} |",
        f"| weighted precision / recall / F1 | {m['weighted']['precision']:.4f} / "
        f"{m['weighted']['recall']:.4f} / {m['weighted']['f1']:.4f} |",
    ]
    if "float_keras" in m:
        f = m["float_keras"]
        lines += [f"| float Keras model, same images: exact / merged / top-3 | "
                  f"{_pct(f['accuracy'])} / {_pct(f['merged_case_accuracy'])} / "
                  f"{_pct(f['top3_accuracy'])} |"]
    if "realworld" in m:
        r = m["realworld"]
        lines += ["", "### As users submit them",
                  f"The first {r['clean']['images']:,} test images rendered as clean 28x28 PNGs, "
                  "as browser-canvas drawings and as phone photos of paper (`hcr/realworld.py`), "
                  "each scored through the web app's path: bytes → decode → preprocess → LiteRT.",
                  "", "| as submitted | exact | merged-case | top-3 | no character found |",
                  "|---|---|---|---|---|"]
        lines += [f"| {kind} | {_pct(f['accuracy'])} | {_pct(f['merged_case_accuracy'])} | "
                  f"{_pct(f['top3_accuracy'])} | {f['no_character_found']} |"
                  for kind, f in r.items()]
    worst = ", ".join(f"{p['true']}→{p['predicted']} ({p['count']})"
                      for p in m["most_confused"][:8])
    lines += ["", f"Most frequent confusions (true→predicted, count): {worst}.", ""]
    if t:
        minutes = t.get("training_seconds", 0) / 60
        machine = t.get("machine", {})
        lines += [
            "## Training",
            f"- Data: the hcr train pool of `../shared/data` (EMNIST byclass, bymerge, balanced, "
            f"digits and mnist files, deduplicated by pixel hash, test images removed); "
            f"{hp.get('train_images', '?'):,} training and {hp.get('validation_images', '?'):,} "
            "validation images (a fixed 5% chosen by image hash). bymerge/balanced letters whose "
            "case those files do not record (C I J K L M O P S U V W X Y Z) are dropped.",
            f"- Architecture: `hcr.model.build_model()`: three blocks of two 3x3 convolutions "
            f"(32, 64, 128 filters) with batch normalisation and max pooling, a 256-unit dense "
            f"layer, dropout; {t.get('parameters', 0):,} parameters.",
            f"- Method: {hp.get('optimizer')} (weight decay {hp.get('weight_decay')}), "
            f"batch {hp.get('batch_size')}, {hp.get('epochs')} epochs, "
            f"{hp.get('schedule')} from a peak of {hp.get('peak_learning_rate')}, label "
            f"smoothing {hp.get('label_smoothing')}, early stopping on validation accuracy "
            f"(patience {hp.get('early_stopping_patience')}), the best epoch by validation "
            f"accuracy kept; seed {hp.get('seed')}. Augmentation (`hcr/augment.py`): random "
            "rotation, shear, x/y scale, shift and stroke thickness."
            + (f" Trained on the training images plus a canvas re-stroke (`hcr.restroke`) of "
               f"{t['restroked_images_in_stage_1']:,} of them from the first epoch."
               if "restroked_images_in_stage_1" in t else ""),
            "- Stage 2, canvas fine-tune (`hcr.restroke`): "
            + (f"{t['canvas_finetune']['epochs']} epochs at a learning rate of "
               f"{t['canvas_finetune'].get('learning_rate', 2e-4):g} on the "
               f"training images plus {t['canvas_finetune']['restrokes']:,} of them re-stroked "
               "with a random pen (hairline to marker) and framed by the serving path; "
               "validation accuracy clean "
               f"{_pct(t['canvas_finetune']['validation_before']['clean'])} → "
               f"{_pct(t['canvas_finetune']['validation_after']['clean'])}, re-stroked "
               f"{_pct(t['canvas_finetune']['validation_before']['canvas'])} → "
               f"{_pct(t['canvas_finetune']['validation_after']['canvas'])} "
               f"({'kept' if t['canvas_finetune']['kept'] else 'dropped'}: kept when the sum "
               "rises)." if "canvas_finetune" in t
               else "not run: stage 1 already trained on the re-strokes."
               if "restroked_images_in_stage_1" in t else "not run."),
            "- Prior correction: the pool has more digits than the test distribution (the digits "
            "and mnist files), so the output biases are shifted by log(byclass class frequency) "
            "- log(pool class frequency), both counted on training images; kept only because it "
            f"raised the accuracy on byclass validation images "
            f"({_pct(t.get('prior_correction', {}).get('validation_accuracy_before', 0))} → "
            f"{_pct(t.get('prior_correction', {}).get('validation_accuracy_after', 0))}).",
            f"- Export: `model.tflite` with {'int8' if lite.get('quantised') else 'float32'} "
            f"weights ({lite.get('size_bytes_int8', 0) // 1024} KB int8 vs "
            f"{lite.get('size_bytes_float', 0) // 1024} KB float); validation accuracy "
            f"{_pct(lite.get('validation_accuracy_int8', 0))} int8 vs "
            f"{_pct(lite.get('validation_accuracy_float', 0))} float (int8 is used when it costs "
            "at most 0.1 point).",
            f"- Trained in {minutes:.0f} minutes on {machine.get('cpu_count', '?')} CPU cores "
            f"({machine.get('platform', '?')}), finished {t.get('finished', '?')}; "
            + ", ".join(f"{k} {v}" for k, v in t.get("versions", {}).items()) + "."
            + (f" Runs: {t['training_runs']}." if "training_runs" in t else ""),
            "",
        ]
    lines += [
        "## Limits",
        "- Upper/lower-case pairs that are written alike (c/C, o/O/0, s/S, l/1/I, ...) cannot "
        "be told apart from one character alone; merged-case and top-3 accuracy show how much "
        "of the exact-class error that is.",
        "- Trained on NIST forms (American writers, pen on paper, scanned): other scripts and "
        "styles are recognised less well.",
        "",
        "Files: `model.keras` (Keras, float), `model.tflite` (served), `labels.json`, "
        "`metrics.json`, `training.json`, `history.csv`, plots (`*.png`).",
    ]
    (model_dir / "MODEL_CARD.md").write_text("\n".join(lines) + "\n")
