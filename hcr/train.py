"""The training script: data -> fit -> prior correction -> export.

A plain sequence of steps with named constants. Checkpoints go to runs/<name>/ after every
epoch, so `--resume` continues an interrupted run; the finished model folder goes to
models/<name>/. The test split is not touched here: `hcr evaluate` scores it, once, at the end.
"""

import argparse
import json
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from hcr import data
from hcr.charset import LABELS, NUM_CLASSES

SEED = 1234
BATCH_SIZE = 128
# Stage 1 trains on the training images plus a canvas re-stroke (hcr.restroke) of each of them,
# from the first epoch, so a character drawn on a canvas (a uniform pen line) is as familiar as
# a scanned one. An epoch then shows each character twice: 8 such epochs are as many steps as 16
# over the clean images alone. Measured (byclass validation images, after the prior shift, clean
# / re-stroked): clean-only stage 1 plus the 5-epoch fine-tune below 86.75 / 84.70%, this
# 86.86 / 85.05%, and this plus a 3-epoch fine-tune 86.69 / 85.16%.
RESTROKES_IN_STAGE_1 = True
EPOCHS = 8
PEAK_LEARNING_RATE = 2e-3
WARMUP_EPOCHS = 1
WEIGHT_DECAY = 1e-4
LABEL_SMOOTHING = 0.1
EARLY_STOPPING_PATIENCE = 4
# Stage 2 (off by default since stage 1 sees the re-strokes): a fine-tune at a lower learning
# rate on the training images plus a re-stroke of each. Kept only if it raises the validation
# accuracy summed over clean images and their re-strokes. After a clean-only stage 1 it was the
# canvas step (validation, clean / re-stroked, before the prior shift: 2 epochs over 60,000
# re-strokes at 2e-4 86.00 / 83.47%, 4 over 120,000 86.11 / 83.89%, 5 over all at 6e-4
# 86.16 / 84.34%).
FINETUNE_EPOCHS = 0
FINETUNE_LEARNING_RATE = 6e-4
FINETUNE_RESTROKES = None  # how many training images to re-stroke; None: every one
# The LiteRT model is stored with int8 weights when that costs at most this much validation
# accuracy (in points); otherwise in float32.
MAX_QUANTISATION_LOSS = 0.1

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_NAME = "emnist-byclass"


def add_arguments(parser):
    parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA_DIR,
                        help="folder of EMNIST gzip IDX files (default: ../shared/data)")
    parser.add_argument("--name", default=DEFAULT_MODEL_NAME, help="model folder name")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--runs-dir", type=Path, default=ROOT / "runs",
                        help="where per-epoch checkpoints and logs go")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on only the first N pool images (a quick run)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the interrupted run of this --name from its last epoch")
    parser.add_argument("--finetune-epochs", type=int, default=FINETUNE_EPOCHS,
                        help="stage 2 epochs on canvas re-strokes (default: 0, none)")
    parser.add_argument("--from-checkpoint", action="store_true",
                        help="skip stage 1: go on from the best stage-1 checkpoint of this --name")
    parser.add_argument("--restrokes-in-stage-1", action=argparse.BooleanOptionalAction,
                        default=RESTROKES_IN_STAGE_1,
                        help="train stage 1 on the training images plus a canvas re-stroke of "
                             "each, from the first epoch (default: on)")


def make_dataset(images, labels, training):
    import tensorflow as tf

    from hcr.augment import augment_batch

    ds = tf.data.Dataset.from_tensor_slices((images[..., None], labels))
    if training:
        ds = ds.shuffle(len(images), seed=SEED, reshuffle_each_iteration=True)
    ds = ds.batch(BATCH_SIZE, drop_remainder=training)

    def prepare(step, batch):
        x, y = batch
        x = tf.cast(x, tf.float32) / 255.0
        if training:
            x = augment_batch(x, tf.stack([tf.cast(step, tf.int32), SEED]))
        return x, tf.one_hot(y, NUM_CLASSES)

    ds = ds.enumerate().map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def best_val_accuracy(history_csv):
    """Best val_accuracy of the epochs logged so far, so a resumed run keeps the best."""
    if not history_csv.exists():
        return None
    lines = history_csv.read_text().split("\n")
    header = lines[0].split(",")
    if "val_accuracy" not in header:
        return None
    column = header.index("val_accuracy")
    values = [float(line.split(",")[column]) for line in lines[1:] if line.strip()]
    return max(values) if values else None


def compile_for_training(model, learning_rate):
    import keras

    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=WEIGHT_DECAY),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True,
                                                  label_smoothing=LABEL_SMOOTHING),
        metrics=["accuracy"])


def correct(model, images, labels):
    """Whether a Keras model gets each of some uint8 28x28 images right."""
    x = images[..., None].astype("float32") / 255.0
    return model.predict(x, batch_size=1024, verbose=0).argmax(axis=1) == labels


def accuracy(model, images, labels):
    """Accuracy of a Keras model on uint8 28x28 images."""
    return float(correct(model, images, labels).mean())


def fit(images, labels, splits, run_dir, epochs, resume):
    import keras

    from hcr.model import build_model

    keras.utils.set_random_seed(SEED)
    train_ds = make_dataset(images, labels, training=True)
    val_ds = make_dataset(splits.validation.images, splits.validation.labels, training=False)
    steps_per_epoch = len(images) // BATCH_SIZE

    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=PEAK_LEARNING_RATE / 20,
        warmup_target=PEAK_LEARNING_RATE,
        warmup_steps=WARMUP_EPOCHS * steps_per_epoch,
        decay_steps=max(1, epochs - WARMUP_EPOCHS) * steps_per_epoch)
    model = build_model()
    compile_for_training(model, schedule)

    history_csv = run_dir / "history.csv"
    best_path = run_dir / "best.keras"
    callbacks = [
        # Saves model, optimizer and epoch after every epoch; restores them on --resume. Kept
        # after the last epoch too, so --resume --epochs N can also extend a finished run.
        keras.callbacks.BackupAndRestore(str(run_dir / "backup"), delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(
            str(best_path), monitor="val_accuracy", mode="max", save_best_only=True,
            initial_value_threshold=best_val_accuracy(history_csv) if resume else None),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                      patience=EARLY_STOPPING_PATIENCE),
        keras.callbacks.CSVLogger(str(history_csv), append=resume),
    ]
    model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks,
              verbose=1 if sys.stdout.isatty() else 2)
    return keras.models.load_model(best_path)


def restroke_cache(splits, run_dir, count=FINETUNE_RESTROKES):
    """Canvas re-strokes of `count` random training images (None: all of them) and of the
    byclass validation images, to judge them; cached in the run folder: they take minutes to
    draw."""
    from hcr.restroke import restroke_all

    path = run_dir / "restrokes.npz"
    rng = np.random.default_rng(SEED)
    pool_size = len(splits.train.images)
    chosen = np.sort(rng.choice(pool_size, size=min(count or pool_size, pool_size),
                                replace=False))
    validation = np.flatnonzero(splits.validation_natural)
    if path.exists():
        cached = np.load(path)
        if np.array_equal(cached["train_index"], chosen):
            return cached["train_index"], cached["train"], validation, cached["validation"]
    train = restroke_all(splits.train.images[chosen], SEED)
    val = restroke_all(splits.validation.images[validation], SEED + 1)
    np.savez(path, train_index=chosen, train=train, validation=val)
    return chosen, train, validation, val


def with_restrokes(splits, chosen, restroked):
    """The training images and labels, followed by the re-strokes of the `chosen` ones."""
    return (np.concatenate([splits.train.images, restroked]),
            np.concatenate([splits.train.labels, splits.train.labels[chosen]]))


def finetune_for_canvas(model, splits, run_dir, epochs=FINETUNE_EPOCHS):
    """Stage 2 (see FINETUNE_EPOCHS). Returns the chosen model and what was measured."""
    import keras

    chosen, restroked, val_index, val_restroked = restroke_cache(splits, run_dir)
    val_clean = splits.validation.images[val_index]
    val_labels = splits.validation.labels[val_index]

    def score(m):
        return {"clean": accuracy(m, val_clean, val_labels),
                "canvas": accuracy(m, val_restroked, val_labels)}

    before = score(model)
    images, labels = with_restrokes(splits, chosen, restroked)
    tuned = keras.models.clone_model(model)
    tuned.set_weights(model.get_weights())
    steps = epochs * (len(images) // BATCH_SIZE)
    compile_for_training(
        tuned, keras.optimizers.schedules.CosineDecay(FINETUNE_LEARNING_RATE, steps))
    tuned.fit(make_dataset(images, labels, training=True), epochs=epochs,
              callbacks=[
                  # Per-epoch state: an interrupted stage 2 goes on where it stopped when
                  # started again with --from-checkpoint; removed once it has finished.
                  keras.callbacks.BackupAndRestore(str(run_dir / "finetune-backup")),
                  keras.callbacks.CSVLogger(str(run_dir / "finetune.csv"),
                                            append=(run_dir / "finetune-backup").exists())],
              verbose=1 if sys.stdout.isatty() else 2)
    after = score(tuned)
    kept = sum(after.values()) > sum(before.values())
    print(f"Canvas fine-tune: validation clean {before['clean']:.4f} -> {after['clean']:.4f}, "
          f"canvas {before['canvas']:.4f} -> {after['canvas']:.4f} ({'kept' if kept else 'dropped'})")
    return (tuned if kept else model), {"epochs": epochs, "learning_rate": FINETUNE_LEARNING_RATE,
                                        "restrokes": int(len(chosen)),
                                        "validation_before": before,
                                        "validation_after": after, "kept": kept}


def class_log_prior(labels, smoothing=1.0):
    counts = np.bincount(labels, minlength=NUM_CLASSES) + smoothing
    return np.log(counts / counts.sum())


def shift_output_bias(model, shift):
    logits_layer = model.get_layer("logits")
    kernel, bias = logits_layer.get_weights()
    logits_layer.set_weights([kernel, bias + shift.astype(bias.dtype)])


def prior_shift(splits):
    """How far to move the output biases from the pool's class frequencies to the test split's.

    The pool over-represents digits (the digits and mnist files add 40k of them), so a model
    trained on it leans towards '0' for 'O' and '1' for 'l'. The byclass files in the pool are
    a random sample of the same distribution as the test split, so their frequencies say what
    a test image's prior is (logit adjustment, Menon et al. 2021).
    """
    return (class_log_prior(splits.train.labels[splits.train_natural])
            - class_log_prior(splits.train.labels))


def validation_accuracy(model, splits, natural_only):
    keep = splits.validation_natural if natural_only else slice(None)
    return accuracy(model, splits.validation.images[keep], splits.validation.labels[keep])


def export_tflite(model, path, quantise):
    """Write a LiteRT flatbuffer that outputs probabilities (the softmax is part of it)."""
    import keras
    import tensorflow as tf

    with_softmax = keras.Sequential([model, keras.layers.Softmax()])
    converter = tf.lite.TFLiteConverter.from_keras_model(with_softmax)
    if quantise:
        # Dynamic-range quantisation: int8 weights, float activations; no calibration data.
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    path.write_bytes(converter.convert())


def litert_validation_accuracy(tflite_path, splits):
    from hcr.runtime import LiteRTModel

    x = splits.validation.images.astype("float32") / 255.0
    probabilities = LiteRTModel(tflite_path).probabilities(x)
    return float((probabilities.argmax(axis=1) == splits.validation.labels).mean())


def export(model, splits, model_dir, run_dir, facts):
    from hcr.model import build_model

    model_dir.mkdir(parents=True, exist_ok=True)
    # A fresh copy of the network without the optimizer state: a third of the file size.
    inference_model = build_model()
    inference_model.set_weights(model.get_weights())
    inference_model.save(model_dir / "model.keras")
    (model_dir / "labels.json").write_text(json.dumps(list(LABELS)))

    float_path = run_dir / "model-float.tflite"
    int8_path = run_dir / "model-int8.tflite"
    export_tflite(model, float_path, quantise=False)
    export_tflite(model, int8_path, quantise=True)
    float_acc = litert_validation_accuracy(float_path, splits)
    int8_acc = litert_validation_accuracy(int8_path, splits)
    quantised = (float_acc - int8_acc) * 100 <= MAX_QUANTISATION_LOSS
    shutil.copy(int8_path if quantised else float_path, model_dir / "model.tflite")
    facts["litert"] = {
        "quantised": quantised,
        "validation_accuracy_float": float_acc,
        "validation_accuracy_int8": int8_acc,
        "size_bytes_float": float_path.stat().st_size,
        "size_bytes_int8": int8_path.stat().st_size,
    }
    if (run_dir / "history.csv").exists():
        shutil.copy(run_dir / "history.csv", model_dir / "history.csv")
    (model_dir / "training.json").write_text(json.dumps(facts, indent=2) + "\n")


def hyperparameters(args, splits):
    return {
        "seed": SEED, "batch_size": BATCH_SIZE, "epochs": args.epochs,
        "peak_learning_rate": PEAK_LEARNING_RATE, "warmup_epochs": WARMUP_EPOCHS,
        "schedule": "linear warm-up then cosine decay to 0", "optimizer": "AdamW",
        "weight_decay": WEIGHT_DECAY, "label_smoothing": LABEL_SMOOTHING,
        "early_stopping_patience": EARLY_STOPPING_PATIENCE, "limit": args.limit,
        "train_images": int(len(splits.train.images)),
        "validation_images": int(len(splits.validation.images)),
    }


def limit_pool(splits, count):
    """Keep only the first `count` training images (a quick run)."""
    splits.train.images = splits.train.images[:count]
    splits.train.labels = splits.train.labels[:count]
    splits.train_natural = splits.train_natural[:count]


def main(args):
    run_dir = args.runs_dir / args.name
    model_dir = args.models_dir / args.name
    if not (args.resume or args.from_checkpoint) and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)

    print(f"Loading EMNIST from {args.data}")
    splits = data.load_splits(args.data)
    if args.limit:
        limit_pool(splits, args.limit)

    facts_path = run_dir / "facts.json"
    facts = json.loads(facts_path.read_text()) if facts_path.exists() else {
        "training_seconds": 0.0}
    if args.from_checkpoint:
        import keras
        model = keras.models.load_model(run_dir / "best.keras")
    else:
        started = time.time()
        images, labels = splits.train.images, splits.train.labels
        if args.restrokes_in_stage_1:
            chosen, restroked, _, _ = restroke_cache(splits, run_dir)
            images, labels = with_restrokes(splits, chosen, restroked)
            facts["restroked_images_in_stage_1"] = int(len(chosen))
        model = fit(images, labels, splits, run_dir, args.epochs, args.resume)
        facts["training_seconds"] += time.time() - started
        facts_path.write_text(json.dumps(facts))
    if args.finetune_epochs > 0:
        started = time.time()
        model, facts["canvas_finetune"] = finetune_for_canvas(model, splits, run_dir,
                                                              args.finetune_epochs)
        facts["training_seconds"] += time.time() - started

    # Decided on validation images from byclass files, never on the test split.
    before = validation_accuracy(model, splits, natural_only=True)
    shift = prior_shift(splits)
    shift_output_bias(model, shift)
    after = validation_accuracy(model, splits, natural_only=True)
    if after < before:
        shift_output_bias(model, -shift)
    print(f"Prior correction: natural-validation accuracy {before:.4f} -> {after:.4f}"
          f" ({'kept' if after >= before else 'dropped'})")

    import keras
    import tensorflow as tf
    facts.update({
        "hyperparameters": hyperparameters(args, splits),
        "parameters": int(model.count_params()),
        "prior_correction": {"validation_accuracy_before": before,
                             "validation_accuracy_after": after, "kept": after >= before},
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpu_count": __import__("os").cpu_count()},
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                     "python": platform.python_version()},
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "data": str(args.data),
    })
    export(model, splits, model_dir, run_dir, facts)
    print(f"Model written to {model_dir}")
    return model_dir
