"""`hcr serve`: the production server (gunicorn with gunicorn.conf.py) in one command."""

import os
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def main(args):
    os.environ["HCR_BIND"] = args.bind
    if args.workers:
        os.environ["HCR_WORKERS"] = str(args.workers)
    host, _, port = args.bind.rpartition(":")
    print(f"hcr: serving on http://{host or '127.0.0.1'}:{port}/  (Ctrl+C stops)", flush=True)
    argv = [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)]
    os.execv(sys.executable, argv)
