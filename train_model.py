"""Train the 62-class model: same as `hcr train` (see `python train_model.py --help`)."""

import sys

from hcr.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
