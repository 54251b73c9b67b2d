"""Temporary files that hold personal data: under MEDIA_ROOT in a private folder, never the shared /tmp.

A worker killed while writing a ledger leaves openpyxl's spool files behind (thousands of full ID
numbers); in the private folder they are at least out of everyone else's reach, and
`orphans_purge` removes them once they are older than any live job could make them.
"""
from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

DEFAULT_ORPHAN_HOURS = 6


def private_temp_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def orphan_age() -> timedelta:
    return timedelta(hours=float(getattr(settings, "RELIEF_TEMP_ORPHAN_HOURS", DEFAULT_ORPHAN_HOURS)))


def named_temp_path(*, prefix: str, suffix: str = "") -> Path:
    """A new empty file in the private folder (the caller removes it)."""
    handle = tempfile.NamedTemporaryFile(prefix=prefix, suffix=suffix, delete=False, dir=private_temp_dir())
    handle.close()
    return Path(handle.name)


def _openpyxl_temporary_file(suffix=""):
    from openpyxl.worksheet import _writer

    filename = str(named_temp_path(prefix="openpyxl.", suffix=suffix))
    _writer.ALL_TEMP_FILES.append(filename)
    return filename


def install_openpyxl_spool() -> None:
    """openpyxl's write-only worksheets spool each sheet to a temporary file it makes with no folder
    given (so the system temp folder); make it use the private one. Called from ReliefConfig.ready."""
    from openpyxl.worksheet import _writer

    _writer.create_temporary_file = _openpyxl_temporary_file


def files_older_than(folder: Path, age: timedelta, *, now: float | None = None):
    if not folder.is_dir():
        return
    cutoff = (now or time.time()) - age.total_seconds()
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            try:
                if path.stat().st_mtime < cutoff:
                    yield path
            except FileNotFoundError:
                continue


def remove_older_than(folder: Path, age: timedelta, *, now: float | None = None) -> int:
    count = 0
    for path in list(files_older_than(folder, age, now=now)):
        try:
            path.unlink()
            count += 1
        except OSError:
            log.warning("could not remove temporary file %s", path, exc_info=True)
    return count


def orphans_purge(*, now: float | None = None) -> int:
    """Remove temporary files left by killed processes (older than RELIEF_TEMP_ORPHAN_HOURS)."""
    return remove_older_than(private_temp_dir(), orphan_age(), now=now)


class openpyxl_spool_cleanup:
    """Remove the spool files openpyxl made inside the block, if a stopped or failed write left them."""

    def __enter__(self):
        from openpyxl.worksheet import _writer

        self._start = len(_writer.ALL_TEMP_FILES)
        return self

    def __exit__(self, *exc):
        from openpyxl.worksheet import _writer

        for filename in _writer.ALL_TEMP_FILES[self._start:]:
            try:
                os.remove(filename)
            except FileNotFoundError:
                pass
            except OSError:
                log.warning("could not remove openpyxl spool file %s", filename, exc_info=True)
        del _writer.ALL_TEMP_FILES[self._start:]
        return False
