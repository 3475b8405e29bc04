"""Evaluation plots (Matplotlib/Seaborn), written as PNG files into the model folder."""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from hcr.charset import INDEX, LABELS  # noqa: E402

PAIRS_SHOWN = 10
EXAMPLES_PER_PAIR = 8
MISCLASSIFIED_ROWS, MISCLASSIFIED_COLS = 6, 12


def training_curves(history_csv, path):
    with open(history_csv) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    epochs = [int(r["epoch"]) + 1 for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for key, label in (("accuracy", "train (augmented)"), ("val_accuracy", "validation")):
        left.plot(epochs, [float(r[key]) for r in rows], marker="o", label=label)
    for key, label in (("loss", "train (augmented)"), ("val_loss", "validation")):
        right.plot(epochs, [float(r[key]) for r in rows], marker="o", label=label)
    left.set(title="Accuracy", xlabel="epoch")
    right.set(title="Loss (with label smoothing)", xlabel="epoch")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def confusion_heatmap(matrix, path):
    matrix = np.asarray(matrix, dtype=float)
    # Row-normalised and on a log colour scale, so rare confusions stay visible.
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(13, 11))
    sns.heatmap(np.log10(share + 1e-3), ax=ax, cmap="viridis", xticklabels=list(LABELS),
                yticklabels=list(LABELS), cbar_kws={"label": "log10(share of true class)"})
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test split)")
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def misclassified_grid(images, labels, predicted, path, seed=0):
    wrong = np.flatnonzero(predicted != labels)
    count = min(len(wrong), MISCLASSIFIED_ROWS * MISCLASSIFIED_COLS)
    chosen = np.random.default_rng(seed).choice(wrong, size=count, replace=False)
    fig, axes = plt.subplots(MISCLASSIFIED_ROWS, MISCLASSIFIED_COLS, figsize=(12, 6.8))
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, chosen):
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{LABELS[labels[i]]}→{LABELS[predicted[i]]}", fontsize=9)
    fig.suptitle("Misclassified test images (true→predicted), a random sample")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confused_pairs(images, labels, predicted, pairs, path):
    pairs = pairs[:PAIRS_SHOWN]
    if not pairs:
        return
    fig, axes = plt.subplots(len(pairs), EXAMPLES_PER_PAIR,
                             figsize=(EXAMPLES_PER_PAIR * 0.9, len(pairs) * 1.0))
    axes = np.atleast_2d(axes)
    for row, pair in zip(axes, pairs):
        true, guess = INDEX[pair["true"]], INDEX[pair["predicted"]]
        examples = np.flatnonzero((labels == true) & (predicted == guess))[:EXAMPLES_PER_PAIR]
        for ax in row:
            ax.axis("off")
        for ax, i in zip(row, examples):
            ax.imshow(images[i], cmap="gray", vmin=0, vmax=255)
        row[0].set_title(f"{pair['true']}→{pair['predicted']} ({pair['count']})",
                         fontsize=9, loc="left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_all(model_dir, metrics, test, probabilities):
    model_dir = Path(model_dir)
    predicted = probabilities.argmax(axis=1)
    if (model_dir / "history.csv").exists():
        training_curves(model_dir / "history.csv", model_dir / "training_curves.png")
    confusion_heatmap(metrics["confusion_matrix"], model_dir / "confusion_matrix.png")
    misclassified_grid(test.images, test.labels, predicted, model_dir / "misclassified.png")
    confused_pairs(test.images, test.labels, predicted, metrics["most_confused"],
                   model_dir / "confused_pairs.png")


def realworld_examples(worst, test, path, side=120):
    """For each kind of submission, its worst misreadings: what was sent, what the model
    read (28x28), true → predicted."""
    from hcr.realworld import thumbnail

    kinds = [k for k in worst if worst[k]]
    if not kinds:
        return
    columns = max(len(worst[k]) for k in kinds)
    fig, axes = plt.subplots(2 * len(kinds), columns,
                             figsize=(columns * 1.3, len(kinds) * 2.9), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for row, kind in enumerate(kinds):
        for column, (index, data, model_input, predicted) in enumerate(worst[kind]):
            top, bottom = axes[2 * row, column], axes[2 * row + 1, column]
            top.imshow(thumbnail(data, side))
            top.set_title(f"{LABELS[test.labels[index]]}→{predicted}", fontsize=9)
            bottom.imshow(model_input, cmap="gray", vmin=0, vmax=1)
        axes[2 * row, 0].text(-0.15, 0.5, kind, transform=axes[2 * row, 0].transAxes,
                              rotation=90, va="center", ha="right", fontsize=11)
    fig.suptitle("Worst misreadings of each kind: as submitted (top), as the model saw it")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
