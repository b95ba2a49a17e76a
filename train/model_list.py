"""The anti-spoof model list's format, from its one source: the header of config/antispoof_models.tsv
(the library embeds that file as its default and its parser checks the same columns:
tests/test_silent.c). The training tools write their lists with list_text."""
import csv
import os

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "config", "antispoof_models.tsv")
N_REQUIRED = 8  # the parser's required columns come first; licence and trained_on are optional


def columns(path=CONFIG):
    """The column names of a list file's header line (the first line that is not a comment)."""
    with open(path) as f:
        for line in f:
            if not line.startswith("#") and line.strip():
                return line.rstrip("\r\n").split("\t")
    raise ValueError(f"{path}: no header line")


def read_list(path=CONFIG):
    """A list file's rows as dicts keyed by its header's column names (comments and blank lines skipped)."""
    with open(path) as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def list_text(rows, comment=None):
    """A model list's text from its rows (dicts): the required columns, and the optional ones when
    every row has them."""
    cols = columns()
    if not all(all(c in r for c in cols[N_REQUIRED:]) for r in rows):
        cols = cols[:N_REQUIRED]
    head = [f"# {comment}"] if comment else []
    lines = head + ["\t".join(cols)] + ["\t".join(str(r[c]) for c in cols) for r in rows]
    return "\n".join(lines) + "\n"
