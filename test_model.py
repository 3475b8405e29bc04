"""Read the character in an image: `python test_model.py --image PATH` (same as `hcr predict`)."""

import sys

from hcr.cli import main

if __name__ == "__main__":
    sys.exit(main(["predict", *sys.argv[1:]]))
