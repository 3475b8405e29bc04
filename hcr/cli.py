"""Command line: hcr train | evaluate | predict | serve.

Environment: HCR_MODEL_DIR (the model folder predict and evaluate use by default).
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = Path(os.environ.get("HCR_MODEL_DIR", ROOT / "models" / "emnist-byclass"))
SHADES = " .:-=+*#%@"


def ascii_art(image):
    """The 28x28 model input as text, two characters per pixel so it looks square."""
    levels = (image * (len(SHADES) - 1)).round().astype(int)
    return "\n".join("".join(SHADES[v] * 2 for v in row) for row in levels)


def add_predict_arguments(parser):
    parser.add_argument("images", nargs="*", type=Path, metavar="IMAGE")
    parser.add_argument("--image", action="append", type=Path, default=[], dest="more_images",
                        metavar="PATH", help="an image to read (repeatable; the classic form)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="model folder")
    parser.add_argument("--top", type=int, default=1, help="list the K most likely characters")
    parser.add_argument("--charset", default="any",
                        help="restrict answers: any, digits, upper, lower, letters")
    parser.add_argument("--json", action="store_true", help="one JSON object per image")
    parser.add_argument("--show", action="store_true",
                        help="print the 28x28 image the model read")
    parser.add_argument("--debug", type=Path, metavar="DIR",
                        help="write every preprocessing stage of each image as PNG into DIR")


def predict(args):
    from hcr import imageio, preprocess
    from hcr.charset import CHARSETS
    from hcr.runtime import Recognizer

    images = args.images + args.more_images
    if not images:
        print("hcr: no image given (hcr predict IMAGE... or --image PATH)", file=sys.stderr)
        return 2
    if args.charset not in CHARSETS:
        print(f"hcr: unknown charset {args.charset!r}; choose one of: {', '.join(CHARSETS)}",
              file=sys.stderr)
        return 2
    try:
        recognizer = Recognizer(args.model)
    except (OSError, ValueError) as e:
        print(f"hcr: cannot load model {args.model}: {e}", file=sys.stderr)
        return 2
    failures = 0
    for path in images:
        try:
            pixels = imageio.decode(path.read_bytes())
            model_input, stages = preprocess.to_model(pixels, debug=True)
        except (OSError, imageio.ImageError) as e:
            print(f"{path}: {e.strerror if isinstance(e, OSError) else e}", file=sys.stderr)
            failures += 1
            continue
        result = recognizer.predict_model_inputs(model_input[None], max(args.top, 1),
                                                 args.charset)[0]
        if args.debug:
            args.debug.mkdir(parents=True, exist_ok=True)
            for i, (stage, image) in enumerate(stages.items()):
                name = f"{path.stem}-{i}-{stage.replace(' ', '-')}.png"
                (args.debug / name).write_bytes(imageio.encode_png(image))
        if args.json:
            print(json.dumps({"file": str(path), **result.as_dict()}), flush=True)
        else:
            line = f"{result.char}  {100 * result.confidence:.1f}%"
            if args.top > 1:
                line += "   " + "  ".join(f"{t['char']} {100 * t['p']:.1f}%"
                                          for t in result.top[1:])
            print(f"{path}: {line}" if len(images) > 1 else line, flush=True)
        if args.show:
            print(ascii_art(result.model_input))
    return 1 if failures else 0


def evaluate(args):
    from hcr.evaluate import evaluate as run_evaluation

    run_evaluation(args.model, args.data, plots=not args.no_plots,
                   realworld_count=args.realworld)
    return 0


def make_realworld(args):
    from hcr import data, realworld

    test = data.load_test(args.data)
    realworld.make_realworld(args.out, test, args.count)
    print(f"{args.count} test images per kind written under {args.out}/"
          f"{{{','.join(realworld.KINDS)}}}")
    if args.gallery:
        args.gallery.mkdir(parents=True, exist_ok=True)
        for kind in ("canvas", "photo"):
            realworld.gallery(kind, test, args.gallery / f"{kind}.png")
        print(f"gallery written to {args.gallery}")
    return 0


def serve(args):
    from webapp.serve import main as serve_main

    return serve_main(args)


def build_parser():
    from hcr import data, train

    parser = argparse.ArgumentParser(
        prog="hcr", description="Handwritten character recognition: 0-9, A-Z, a-z.")
    commands = parser.add_subparsers(dest="command", required=True)

    train_parser = commands.add_parser("train", help="train a model on EMNIST, then score it")
    train.add_arguments(train_parser)
    train_parser.add_argument("--no-evaluate", action="store_true",
                              help="export only; skip scoring on the test split")

    evaluate_parser = commands.add_parser("evaluate", help="score a model on the test split")
    evaluate_parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    evaluate_parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA_DIR)
    evaluate_parser.add_argument("--no-plots", action="store_true")
    evaluate_parser.add_argument("--realworld", type=int, default=None, metavar="N",
                                 help="test images rendered as canvas drawings and photos "
                                      "(default 5000; 0 skips them)")

    realworld_parser = commands.add_parser(
        "make-realworld", help="render test characters as canvas drawings and phone photos")
    realworld_parser.add_argument("--out", type=Path, default=Path("realworld"))
    realworld_parser.add_argument("--count", type=int, default=100)
    realworld_parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA_DIR)
    realworld_parser.add_argument("--gallery", type=Path, default=None,
                                  help="also write the fixed example montages here (docs/)")

    add_predict_arguments(commands.add_parser("predict", help="read the character in images"))

    serve_parser = commands.add_parser("serve", help="start the web app with gunicorn")
    serve_parser.add_argument("--bind", default=os.environ.get("HCR_BIND", "127.0.0.1:8000"))
    serve_parser.add_argument("--workers", type=int, default=None,
                              help="gunicorn workers (default: from the core count)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "train":
        from hcr import train
        model_dir = train.main(args)
        if not args.no_evaluate:
            from hcr.evaluate import evaluate as run_evaluation
            run_evaluation(model_dir, args.data)
        return 0
    commands = {"evaluate": evaluate, "predict": predict, "serve": serve,
                "make-realworld": make_realworld}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
