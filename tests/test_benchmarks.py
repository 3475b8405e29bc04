"""The benchmark scripts run, on tiny counts (no timing is asserted here)."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytest.importorskip("tensorflow")


def test_bench_quick(tmp_path):
    out = tmp_path / "RESULTS.md"
    result = subprocess.run([sys.executable, "benchmarks/bench.py", "--quick", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    text = out.read_text()
    for section in ("## 1. Model only", "## 2. End to end", "## 4. Footprint", "## 5. Training",
                    "## 6. Accuracy"):
        assert section in text
    assert "LiteRT (hcr.runtime)" in text


def test_load_quick(tmp_path):
    out = tmp_path / "load.md"
    result = subprocess.run([sys.executable, "benchmarks/load.py", "--requests", "200",
                             "--kill-requests", "120", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    text = out.read_text()
    assert "integrity_check=ok" in text and "replaced: True" in text
