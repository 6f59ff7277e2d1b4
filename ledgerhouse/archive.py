"""Move processed landing folders to the archive, with a checksum manifest.

A landing root holds one folder per delivery (``landing/2026-03-02/...``).
``archive_landing`` moves each delivery folder to ``ARCHIVE/<folder>/`` and
writes ``ARCHIVE/<folder>/MANIFEST.sha256`` (``sha256sum`` format, so
``sha256sum -c MANIFEST.sha256`` verifies it). The relative paths stay the same
as in the landing root, so a raw row's ``_source_file`` names its archived file.

Safety and idempotency, in order:

1. The folder is copied into a hidden staging folder in the archive, every
   copy is hashed and compared with the source, and the manifest is written.
2. The staging folder is renamed to its final name (atomic on one file system).
3. The source is hashed again; only if it still matches the manifest is it
   deleted. Nothing is deleted before a verified copy exists.

Re-running after any interruption finishes the job: a folder already archived
with an identical manifest only has its leftover source removed. A folder whose
archived copy differs (a re-delivery under the same name) is refused, and
nothing is deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "MANIFEST.sha256"
_CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """A delivery folder that cannot be archived safely; nothing was deleted."""


@dataclass(frozen=True)
class ArchiveResult:
    folder: str
    status: str  # "archived" | "already-archived"
    files: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, keyed by POSIX path relative to it."""
    result: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            if rel != MANIFEST_NAME:
                result[rel] = sha256_file(path)
    return result


def read_manifest(folder: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in (folder / MANIFEST_NAME).read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, rel = line.split("  ", 1)
            entries[rel] = digest
    return entries


def _write_manifest(folder: Path, sums: dict[str, str]) -> None:
    text = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(sums.items()))
    path = folder / MANIFEST_NAME
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _diff(expected: dict[str, str], actual: dict[str, str]) -> str:
    changed = sorted(
        rel for rel in expected.keys() | actual.keys() if expected.get(rel) != actual.get(rel)
    )
    return ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")


def delivery_folders(landing: Path) -> list[str]:
    """Delivery folders directly under the landing root (hidden ones skipped)."""
    if not landing.is_dir():
        raise ArchiveError(f"{landing}: landing folder does not exist")
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and not p.name.startswith("."))


def archive_folder(landing: Path, archive: Path, name: str) -> ArchiveResult:
    source = landing / name
    dest = archive / name
    sums = checksums(source)

    if dest.exists():
        if not (dest / MANIFEST_NAME).is_file():
            raise ArchiveError(f"{dest}: exists without {MANIFEST_NAME}; refusing to touch it")
        archived = read_manifest(dest)
        if archived != sums:
            raise ArchiveError(
                f"{source}: already archived at {dest} with different content "
                f"({_diff(archived, sums)}); nothing deleted"
            )
        shutil.rmtree(source)
        return ArchiveResult(name, "already-archived", len(sums))

    archive.mkdir(parents=True, exist_ok=True)
    staging = archive / f".{name}.partial"
    if staging.exists():
        shutil.rmtree(staging)  # a copy from an interrupted run; the source is intact
    shutil.copytree(source, staging)
    copied = checksums(staging)
    if copied != sums:
        shutil.rmtree(staging)
        raise ArchiveError(f"{source}: copy does not match the source ({_diff(sums, copied)})")
    _write_manifest(staging, sums)
    _fsync_tree(staging)
    os.rename(staging, dest)
    _fsync_dir(archive)

    again = checksums(source)
    if again != sums:
        raise ArchiveError(
            f"{source}: changed while being archived ({_diff(sums, again)}); "
            f"archived copy kept at {dest}, source not deleted"
        )
    shutil.rmtree(source)
    return ArchiveResult(name, "archived", len(sums))


def archive_landing(
    landing: Path, archive: Path, only: Iterable[str] | None = None
) -> list[ArchiveResult]:
    """Archive every delivery folder of ``landing`` (or only the named ones)."""
    landing = landing.resolve()
    archive = archive.resolve()
    if archive == landing or landing in archive.parents:
        raise ArchiveError(f"{archive}: the archive must not be inside the landing folder")
    names = delivery_folders(landing)
    if only is not None:
        wanted = set(only)
        names = [n for n in names if n in wanted]
    return [archive_folder(landing, archive, name) for name in names]
