"""Does a bigger network narrow the canvas gap? Two networks, trained the same way, compared.

    python benchmarks/canvas_gap_capacity.py                    # 60,000 pool images, 4 epochs
    python benchmarks/canvas_gap_capacity.py --limit 20000 --epochs 2

Both networks are hcr.model.build_model, trained by hcr.train's own steps (stage 1 on the pool
images plus a canvas re-stroke of each, then the prior shift) on the same slice of the pool:
- base: the shipped widths (32, 64, 128), dense 256;
- wide: twice as wide, (64, 128, 256), dense 512 (four times the parameters).
Each is scored on the byclass validation images and on their re-strokes (hcr.restroke), so the
gap is measured on the same characters, redrawn. The test split is not touched. Takes about 25
minutes on 2 cores; writes RESULTS-canvas-gap-capacity.md.
"""

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hcr import data, train  # noqa: E402
from hcr import model as hcr_model  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS-canvas-gap-capacity.md"
NETWORKS = {"base": dict(widths=(32, 64, 128), dense_units=256),
            "wide": dict(widths=(64, 128, 256), dense_units=512)}


def points(values):
    """Mean and standard error of per-image values, in points."""
    return 100 * values.mean(), 100 * values.std() / np.sqrt(len(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=60000, help="pool images to train on")
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()

    splits = data.load_splits(data.DEFAULT_DATA_DIR)
    train.limit_pool(splits, args.limit)
    build_model = hcr_model.build_model
    rows, gaps = [], {}
    with tempfile.TemporaryDirectory() as runs:
        chosen, restroked, val_index, val_restroked = train.restroke_cache(splits, Path(runs))
        images, labels = train.with_restrokes(splits, chosen, restroked)
        val_clean = splits.validation.images[val_index]
        val_labels = splits.validation.labels[val_index]
        for name, widths in NETWORKS.items():
            # hcr.train.fit builds its network with hcr.model.build_model.
            hcr_model.build_model = functools.partial(build_model, **widths)
            run_dir = Path(runs) / name
            run_dir.mkdir()
            started = time.time()
            model = train.fit(images, labels, splits, run_dir, args.epochs, resume=False)
            seconds = time.time() - started
            train.shift_output_bias(model, train.prior_shift(splits))
            clean = train.correct(model, val_clean, val_labels)
            redrawn = train.correct(model, val_restroked, val_labels)
            gaps[name] = clean.astype(float) - redrawn
            gap, se = points(gaps[name])
            rows.append(f"| {name} {widths['widths']}, dense {widths['dense_units']} "
                        f"| {model.count_params():,} | {seconds / 60:.0f} min "
                        f"| {points(clean)[0]:.2f}% | {points(redrawn)[0]:.2f}% "
                        f"| {gap:.2f} ± {se:.2f} |")
            print(rows[-1], flush=True)
    hcr_model.build_model = build_model
    narrower, se = points(gaps["base"] - gaps["wide"])

    RESULTS.write_text(
        "# Does a bigger network narrow the canvas gap?\n\n"
        f"`python benchmarks/canvas_gap_capacity.py --limit {args.limit} --epochs "
        f"{args.epochs}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: both networks "
        f"trained on the first {args.limit:,} pool images plus a re-stroke of each, "
        f"{args.epochs} epochs, after the prior shift; scored on the {len(val_labels):,} byclass "
        "validation images and on their re-strokes. See the script's docstring.\n\n"
        "| network | parameters | training | clean | re-stroked | gap (points ± s.e.) |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"The wide network's gap is {narrower:.2f} ± {se:.2f} points narrower (paired over the "
        "same images).\n")
    print(f"gap narrower by {narrower:.2f} ± {se:.2f} points; written to {RESULTS}")


if __name__ == "__main__":
    main()
