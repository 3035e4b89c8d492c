"""The built knowledge base is cached per content hash; a damaged cache is rebuilt."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from magnerve.knowledge import loader


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(loader.CACHE_ENV, raising=False)
    return tmp_path / "magnerve"


def test_first_load_writes_the_cache_and_the_next_reads_it(cache_dir: Path) -> None:
    built = loader._load_packaged()
    [cache] = cache_dir.glob("knowledge-*.pickle")
    assert cache.stat().st_mode & 0o077 == 0  # private, like the journal
    cached = loader._load_packaged()
    assert cached is not built
    assert cached == built


def test_a_damaged_cache_is_rebuilt_not_trusted(cache_dir: Path) -> None:
    loader._load_packaged()
    [cache] = cache_dir.glob("knowledge-*.pickle")
    cache.write_bytes(b"not a pickle")
    assert len(loader._load_packaged().forms) == len(loader.FORM_IDS)
    cache.write_bytes(pickle.dumps({"not": "knowledge"}))
    assert len(loader._load_packaged().forms) == len(loader.FORM_IDS)


def test_the_cache_can_be_switched_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.CACHE_ENV, "0")
    loader._load_packaged()
    assert not cache_dir.exists()
