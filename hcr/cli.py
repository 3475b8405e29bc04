"""Command line: hcr train | evaluate | predict | serve."""

import argparse
import sys


def build_parser():
    parser = argparse.ArgumentParser(prog="hcr", description="Handwritten character recognition")
    commands = parser.add_subparsers(dest="command", required=True)

    from hcr import train
    train.add_arguments(commands.add_parser("train", help="train a model on EMNIST"))
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "train":
        from hcr import train
        train.main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
