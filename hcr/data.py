"""EMNIST files in, the fixed hcr splits out.

Reads the published EMNIST format (gzip IDX, images stored transposed, a `label char_code`
mapping file per split) and builds the splits that ../shared/data/README.md fixes:

- test: the byclass rows 682112-697931 (or, with the full official files, the byclass test file);
- train pool: every other file, labels mapped to the 62 byclass characters, deduplicated by
  exact pixel hash, minus every image that also occurs in the test file. Merged-case letters
  of bymerge/balanced (case unknown) are dropped;
- validation: a fixed 5% of the pool, chosen by image hash.
"""

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hcr.charset import INDEX, MERGED_CASE

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TEST_FILE = "emnist-byclass-train-part-682112-697931-images-idx3-ubyte.gz"
OFFICIAL_TEST_FILE = "emnist-byclass-test-images-idx3-ubyte.gz"
MERGED_SPLITS = ("bymerge", "balanced")
VALIDATION_PERCENT = 5

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_IMAGE_FILE = re.compile(r"emnist-(?P<split>[a-z]+)-(?P<rest>.+)-images-idx3-ubyte(\.gz)?$")


class DataError(ValueError):
    """An EMNIST file that is missing, malformed or inconsistent."""


@dataclass
class Split:
    images: np.ndarray  # (n, 28, 28) uint8, upright, white ink on black
    labels: np.ndarray  # (n,) int label indices into hcr.charset.LABELS


@dataclass
class Splits:
    train: Split
    validation: Split
    test: Split
    # For each train image: does it come from a byclass file, whose class frequencies are
    # those of the test split? (digits/mnist/balanced files skew them.)
    train_natural: np.ndarray
    validation_natural: np.ndarray


def _open(path):
    path = Path(path)
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path, expected_magic):
    """Read one IDX file into a uint8 array, checking magic number, shape and size."""
    try:
        with _open(path) as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    if len(data) < 8:
        raise DataError(f"{path}: too short for an IDX header")
    magic = int.from_bytes(data[0:4], "big")
    if magic != expected_magic:
        raise DataError(f"{path}: magic number {magic:#010x}, expected {expected_magic:#010x}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) + header
    if len(data) != expected:
        raise DataError(f"{path}: {len(data)} bytes, but header {shape} needs {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def read_images(path):
    images = read_idx(path, IMAGES_MAGIC)
    if images.shape[1:] != (28, 28):
        raise DataError(f"{path}: images are {images.shape[1:]}, expected 28x28")
    # EMNIST stores each image transposed; hcr keeps them upright everywhere.
    return np.ascontiguousarray(images.transpose(0, 2, 1))


def read_mapping(path):
    """label -> character, from a `label char_code` per line file."""
    mapping = {}
    for line in Path(path).read_text().split("\n"):
        if line.strip():
            label, code = line.split()
            mapping[int(label)] = chr(int(code))
    return mapping


def read_file_pair(images_path):
    """Images and their characters for one EMNIST images file (labels and mapping beside it)."""
    images_path = Path(images_path)
    match = _IMAGE_FILE.match(images_path.name)
    if not match:
        raise DataError(f"{images_path}: not an EMNIST images file name")
    labels_path = images_path.with_name(images_path.name.replace("-images-idx3-", "-labels-idx1-"))
    mapping_path = images_path.with_name(f"emnist-{match['split']}-mapping.txt")
    for needed in (labels_path, mapping_path):
        if not needed.exists():
            raise DataError(f"{images_path}: missing {needed.name} beside it")
    images = read_images(images_path)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if len(labels) != len(images):
        raise DataError(f"{images_path}: {len(images)} images but {len(labels)} labels")
    mapping = read_mapping(mapping_path)
    unknown = set(np.unique(labels).tolist()) - set(mapping)
    if unknown:
        raise DataError(f"{labels_path}: labels {sorted(unknown)} not in {mapping_path.name}")
    chars = np.array([mapping[int(label)] for label in labels])
    return match["split"], images, chars


def image_hashes(images):
    """A stable 64-bit hash of each image's pixels (dedup, test removal, validation choice)."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(img.tobytes(), digest_size=8).digest(), "big")
         for img in images], dtype=np.uint64)


def _exact_labels(split, chars):
    """Label indices, or -1 where the file does not say which case a letter is."""
    labels = np.array([INDEX[c] for c in chars])
    if split in MERGED_SPLITS:
        unknown_case = np.array([c.upper() in MERGED_CASE for c in chars], dtype=bool)
        labels[unknown_case] = -1
    return labels


def test_file(data_dir):
    data_dir = Path(data_dir)
    for name in (TEST_FILE, OFFICIAL_TEST_FILE):
        found = sorted(data_dir.rglob(name))
        if found:
            return found[0]
    raise DataError(f"{data_dir}: no test file ({TEST_FILE} or {OFFICIAL_TEST_FILE})")


def load_test(data_dir=DEFAULT_DATA_DIR):
    split, images, chars = read_file_pair(test_file(data_dir))
    return Split(images, _exact_labels(split, chars))


def load_splits(data_dir=DEFAULT_DATA_DIR, progress=print):
    """The fixed test split, and the deduplicated train pool divided into train/validation."""
    data_dir = Path(data_dir)
    test_path = test_file(data_dir)
    test = load_test(data_dir)
    test_hashes = image_hashes(test.images)

    pool_images, pool_labels, pool_natural, pool_hashes = [], [], [], []
    for path in sorted(data_dir.rglob("emnist-*-images-idx3-ubyte*")):
        if path.resolve() == test_path.resolve():
            continue
        split, images, chars = read_file_pair(path)
        progress(f"  {path.name}: {len(images)} images")
        pool_images.append(images)
        pool_labels.append(_exact_labels(split, chars))
        pool_natural.append(np.full(len(images), split == "byclass"))
        pool_hashes.append(image_hashes(images))
    if not pool_images:
        raise DataError(f"{data_dir}: no training files beside the test file")
    images = np.concatenate(pool_images)
    labels = np.concatenate(pool_labels)
    natural = np.concatenate(pool_natural)
    hashes = np.concatenate(pool_hashes)

    # One entry per distinct image; where one file knows the exact case and another does not,
    # keep the exact label. An image from a byclass file keeps its natural flag.
    order = np.lexsort((~natural, -labels, hashes))
    images, labels, natural, hashes = images[order], labels[order], natural[order], hashes[order]
    first = np.ones(len(hashes), dtype=bool)
    first[1:] = hashes[1:] != hashes[:-1]
    keep = first & (labels >= 0) & ~np.isin(hashes, test_hashes)
    images, labels, natural, hashes = images[keep], labels[keep], natural[keep], hashes[keep]

    is_validation = (hashes % 100) < VALIDATION_PERCENT
    progress(f"  pool: {len(images)} unique images with an exact label "
             f"({is_validation.sum()} validation), test: {len(test.images)}")
    return Splits(
        train=Split(images[~is_validation], labels[~is_validation]),
        validation=Split(images[is_validation], labels[is_validation]),
        test=test,
        train_natural=natural[~is_validation],
        validation_natural=natural[is_validation],
    )
