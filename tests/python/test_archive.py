"""`ledgerhouse archive`: verified moves, idempotent re-runs, nothing lost on conflict."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from conftest import LEDGERHOUSE, base_env

from ledgerhouse.archive import MANIFEST_NAME, ArchiveError, archive_landing


def _delivery(landing: Path, name: str, files: dict[str, str]) -> None:
    folder = landing / name
    folder.mkdir(parents=True)
    for rel, text in files.items():
        (folder / rel).write_text(text, encoding="utf-8")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_archive_moves_folders_with_a_manifest_sha256sum_accepts(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    _delivery(landing, "2026-03-02", {"activity.csv": "a,b\n1,2\n", "prices.csv": "p\n"})
    _delivery(landing, "2026-03-03", {"activity.csv": "a,b\n3,4\n"})
    (landing / "_expected_errors.csv").write_text("not a delivery\n")  # root files stay

    results = archive_landing(landing, archive)

    assert [(r.folder, r.status, r.files) for r in results] == [
        ("2026-03-02", "archived", 2),
        ("2026-03-03", "archived", 1),
    ]
    assert sorted(p.name for p in landing.iterdir()) == ["_expected_errors.csv"]
    manifest = (archive / "2026-03-02" / MANIFEST_NAME).read_text()
    # sha256sum format, sorted by path, hashes computed here independently
    activity, prices = _sha("a,b\n1,2\n"), _sha("p\n")
    assert manifest == f"{activity}  activity.csv\n{prices}  prices.csv\n"
    check = subprocess.run(["sha256sum", "-c", MANIFEST_NAME], cwd=archive / "2026-03-02",
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert not list(archive.glob(".*partial"))


def test_archive_twice_changes_nothing_and_only_limits_the_folders(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    _delivery(landing, "d1", {"x.csv": "1\n"})
    _delivery(landing, "d2", {"x.csv": "2\n"})
    assert [r.folder for r in archive_landing(landing, archive, only=["d2", "gone"])] == ["d2"]
    assert (landing / "d1").is_dir() and not (landing / "d2").exists()
    before = (archive / "d2" / MANIFEST_NAME).read_bytes()
    assert archive_landing(landing, archive, only=["d2"]) == []
    assert (archive / "d2" / MANIFEST_NAME).read_bytes() == before


def test_interrupted_archive_is_finished_by_a_rerun(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    _delivery(landing, "d1", {"x.csv": "1\n"})
    archive_landing(landing, archive)
    # Simulate a crash after the archived copy was complete but before the source
    # was deleted, plus a stale staging copy of another run.
    _delivery(landing, "d1", {"x.csv": "1\n"})
    (archive / ".d1.partial").mkdir()
    [result] = archive_landing(landing, archive)
    assert result.status == "already-archived"
    assert not (landing / "d1").exists()


def test_redelivery_with_other_content_is_refused_and_nothing_is_deleted(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    _delivery(landing, "d1", {"x.csv": "1\n"})
    archive_landing(landing, archive)
    _delivery(landing, "d1", {"x.csv": "corrected\n"})
    with pytest.raises(ArchiveError, match=r"different content.*x\.csv"):
        archive_landing(landing, archive)
    assert (landing / "d1" / "x.csv").read_text() == "corrected\n"
    assert (archive / "d1" / "x.csv").read_text() == "1\n"


def test_archive_inside_landing_is_refused(tmp_path: Path) -> None:
    _delivery(tmp_path, "d1", {"x.csv": "1\n"})
    with pytest.raises(ArchiveError, match="must not be inside"):
        archive_landing(tmp_path, tmp_path / "archive")
    assert (tmp_path / "d1" / "x.csv").exists()


def test_cli_archive_reports_each_folder_and_errors_in_one_line(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    _delivery(landing, "2026-03-02", {"a.csv": "1\n"})
    ok = subprocess.run([LEDGERHOUSE, "archive", str(landing), str(archive)],
                        env=base_env(), capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "2026-03-02: archived (1 file(s))" in ok.stdout
    missing = subprocess.run([LEDGERHOUSE, "archive", str(tmp_path / "nope"), str(archive)],
                             env=base_env(), capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and len(missing.stderr.splitlines()) == 1
