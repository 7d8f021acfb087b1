"""Fetching sources: mirrors, local files, checksums, and all-or-nothing writes."""

import os
import stat

import pytest
import support as S

from sentiment_rnn import files
from sentiment_rnn.errors import InputError


def source_for(path, **extra):
    return {
        "url": "https://example.invalid/data.csv",
        "sha256": S.sha256(path),
        **extra,
    }


def test_mirror_copy_is_checked_and_written(tmp_path):
    (tmp_path / "mirror").mkdir()
    original = tmp_path / "mirror" / "data.csv"
    original.write_text("a,b\n1,2\n")
    origin = files.fetch(
        source_for(original), tmp_path / "out" / "data.csv", tmp_path / "mirror"
    )
    assert (tmp_path / "out" / "data.csv").read_text() == "a,b\n1,2\n"
    assert origin == str(original)


def test_checksum_mismatch_names_file_and_both_digests(tmp_path):
    (tmp_path / "mirror").mkdir()
    original = tmp_path / "mirror" / "data.csv"
    original.write_text("a,b\n")
    wrong = "0" * 64
    with pytest.raises(
        InputError,
        match=f"data.csv: checksum mismatch: expected sha256 {wrong}, "
        f"found {S.sha256(original)}",
    ):
        files.fetch(
            {"url": "https://example.invalid/data.csv", "sha256": wrong},
            tmp_path / "out.csv",
            tmp_path / "mirror",
        )
    assert not (tmp_path / "out.csv").exists()


def test_missing_mirror_folder_is_named(tmp_path):
    with pytest.raises(InputError, match="mirror folder '.*nowhere' does not exist"):
        files.fetch(
            {"url": "https://example.invalid/x", "sha256": "0" * 64},
            tmp_path / "out",
            tmp_path / "nowhere",
        )


def test_local_path_as_url_is_copied_even_with_a_mirror(tmp_path):
    mine = tmp_path / "my speeches.csv"
    mine.write_text("speaker,speech,source\n")
    (tmp_path / "mirror").mkdir()
    source = {"url": str(mine), "sha256": S.sha256(mine)}
    origin = files.fetch(source, tmp_path / "out.csv", tmp_path / "mirror")
    assert (tmp_path / "out.csv").read_text() == "speaker,speech,source\n"
    assert origin == str(mine)  # the user's file, not the mirror
    with pytest.raises(InputError, match="local file not found"):
        files.fetch({"url": "file:///no/such.csv", "sha256": "0" * 64}, tmp_path / "o2")


def test_atomic_path_leaves_nothing_on_failure_and_respects_umask(tmp_path):
    target = tmp_path / "result.txt"
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("stage failed")
    assert list(tmp_path.iterdir()) == []

    old = os.umask(0o022)
    try:
        with files.atomic_path(target) as tmp:
            tmp.write_text("whole")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_fetched_file_changed_afterwards_is_refused(tmp_path):
    raw = tmp_path / "speeches.csv"
    raw.write_text("speaker,speech,source\n")
    files.check_unchanged(raw, [S.sha256(raw), "0" * 64])
    raw.write_text("speaker,speech,source\nEvil,x,y\n")
    with pytest.raises(InputError, match="changed after it was fetched"):
        files.check_unchanged(raw, ["0" * 64])


def test_unreachable_address_suggests_a_mirror(tmp_path, monkeypatch):
    import requests

    def offline(*args, **kwargs):
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(files.pooch, "retrieve", offline)
    with pytest.raises(
        InputError, match="data.csv: download from .* failed .*set mirror"
    ):
        files.fetch(
            {"url": "https://example.invalid/data.csv", "sha256": "0" * 64},
            tmp_path / "out.csv",
        )
