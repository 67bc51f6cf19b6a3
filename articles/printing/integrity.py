"""Is a stored issued PDF still the file that was issued? Checked on every serve, hashed once per change.

The portal asks `pdf_problem(issue)` before it hands a PDF out. Hashing a PDF costs about a
millisecond per 100 KB, so the digest is remembered per file and reused while the file's stat
signature is unchanged. The signature is (size, mtime_ns, ctime_ns, inode), not only size and
mtime: `cp -p`, `rsync -a`, `touch -d` or `os.utime` can put back the old mtime on different
bytes of the same size, but nothing in user space can set ctime, and a file replaced by rename
has a new inode. What a stat cannot see (bit rot on the disk) is left to the daily
`verify_pdfs`, which hashes every byte with `cached=False`.

The memo is a plain dict in each process, not Django's cache: the signature describes this
host's file (inodes and ctimes mean nothing to another host sharing a Redis), a lookup costs
no network round trip, the local-memory cache's 300 entries would be evicted by ordinary page
traffic, and the dict never holds more than one entry per issued PDF (the newest signature
replaces the old one). Each worker hashes each file once after it starts; a race between two
threads at worst hashes a file twice.

File timestamps are coarse (a kernel tick, up to a second or two on some file systems), so a
file written again within the same tick as its last change keeps its signature. As git does
with "racy" index entries, a file changed less than RECENT_NS ago is hashed but not remembered.
"""

import hashlib
import os
import time

from django.db import models
from django.utils.translation import gettext_lazy as _

CHUNK = 1 << 20
RECENT_NS = 2_000_000_000

# path -> (stat signature, hex SHA-256 of the bytes the file had under that signature)
_digests = {}


class PdfProblem(models.TextChoices):
    MISSING = "missing", _("file missing")
    MISMATCH = "mismatch", _("checksum mismatch")


def file_sha256(path):
    """The hex SHA-256 of the file at `path`, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _signature(st):
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def stored_sha256(path, *, cached=True):
    """The SHA-256 of the file at `path`, reused while its stat signature is unchanged if `cached`."""
    signature = _signature(os.stat(path))
    if cached:
        known = _digests.get(path)
        if known is not None and known[0] == signature:
            return known[1]
    digest = file_sha256(path)
    # Stat again: a file that changed while it was read must not be remembered under either signature.
    settled = time.time_ns() - signature[2] >= RECENT_NS
    if settled and _signature(os.stat(path)) == signature:
        _digests[path] = (signature, digest)
    return digest


def file_problem(field_file, sha256, *, cached=True):
    """None when the stored file is the one recorded with `sha256`, else the PdfProblem (missing or mismatch)."""
    if not field_file.name:
        return PdfProblem.MISSING
    try:
        digest = stored_sha256(field_file.path, cached=cached)
    except OSError:
        # Gone, unreadable or a directory: nothing that can be served.
        return PdfProblem.MISSING
    return None if digest == sha256 else PdfProblem.MISMATCH


def pdf_problem(issue, *, cached=True):
    """None when the issue's stored PDF is the one issued, else the PdfProblem (missing or mismatch)."""
    return file_problem(issue.pdf_file, issue.pdf_sha256, cached=cached)
