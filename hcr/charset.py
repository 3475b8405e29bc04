"""The 62 EMNIST "byclass" labels, merged-case folding and character-set masks."""

import string

import numpy as np

# Label index i of every hcr model is LABELS[i]: the EMNIST byclass order.
LABELS = string.digits + string.ascii_uppercase + string.ascii_lowercase
NUM_CLASSES = len(LABELS)
INDEX = {char: i for i, char in enumerate(LABELS)}

# The 15 letters whose upper and lower case EMNIST bymerge/balanced merge because they look
# alike when written. "Merged-case accuracy" counts c for C (and the reverse) as right.
MERGED_CASE = "CIJKLMOPSUVWXYZ"

CHARSETS = {
    "any": LABELS,
    "digits": string.digits,
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "letters": string.ascii_letters,
}


class UnknownCharset(ValueError):
    """A charset name that is not one of CHARSETS."""


def fold_case(char):
    """The bymerge class of a character: lower-case merged letters become upper case."""
    return char.upper() if char.upper() in MERGED_CASE else char


# FOLDED[i] is the label index that class i counts as under merged-case scoring.
FOLDED = np.array([INDEX[fold_case(c)] for c in LABELS])


def charset_mask(name):
    """Boolean mask over LABELS of the characters a charset allows."""
    if name not in CHARSETS:
        raise UnknownCharset(f"unknown charset {name!r}; choose one of: {', '.join(CHARSETS)}")
    allowed = set(CHARSETS[name])
    return np.array([c in allowed for c in LABELS])


def group_of(char):
    """'digit', 'upper' or 'lower': the groups evaluation reports accuracy for."""
    if char.isdigit():
        return "digit"
    return "upper" if char.isupper() else "lower"
