"""The data path: verified loading, download without partial files, seeded
minibatches."""

import hashlib
import io
import urllib.error

import pytest
import torch

from utils import data
from utils.data import (
    SHA1,
    DataError,
    download,
    get_data,
    get_data_ch11,
    load_airfoil,
)


@pytest.fixture
def good_bytes(airfoil_file):
    return airfoil_file.read_bytes()


def test_load_airfoil_gives_the_raw_table(airfoil_file):
    table = load_airfoil()
    assert table.shape == (1503, 6)
    assert table.dtype == torch.float32
    assert table[0].tolist() == pytest.approx(
        [800, 0, 0.3048, 71.3, 0.00266337, 126.201]
    )


def test_get_data_gives_150_standardised_batches(airfoil_file):
    data_iter, feature_dim = get_data(10)
    assert feature_dim == 5 and len(data_iter) == 150
    batches = list(data_iter)
    assert len(batches) == 150
    assert all(X.shape == (10, 5) and y.shape == (10,) for X, y in batches)
    full = data.standardize(load_airfoil())
    assert full.mean(0).abs().max() < 1e-5
    assert (full.std(0, correction=0) - 1).abs().max() < 1e-5
    # the batches cover exactly the first 1500 standardised rows, each once
    X = torch.cat([X for X, _ in batches])
    assert sorted(map(tuple, X.tolist())) == sorted(
        map(tuple, full[:1500, :5].tolist())
    )


def test_shuffling_is_seeded_and_reshuffles_each_epoch(airfoil_file):
    first = [y for _, y in get_data(10)[0]]
    it, _ = get_data_ch11(10)
    again, next_epoch = [y for _, y in it], [y for _, y in it]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not all(torch.equal(a, b) for a, b in zip(again, next_epoch))


def test_last_batch_may_be_short(airfoil_file):
    it, _ = get_data(batch_size=100, n=1050)
    sizes = [len(y) for _, y in it]
    assert len(it) == 11 and sizes[-1] == 50 and sum(sizes) == 1050


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size_is_rejected(airfoil_file, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        get_data(batch_size)


@pytest.mark.parametrize("n", [0, 1504, True, 2.0])
def test_bad_n_is_rejected(airfoil_file, n):
    with pytest.raises(ValueError, match="n must be"):
        get_data(10, n=n)


def test_corrupted_file_is_never_used(tmp_path, good_bytes):
    path = tmp_path / "airfoil_self_noise.dat"
    path.write_bytes(good_bytes.replace(b"126.201", b"926.201", 1))
    with pytest.raises(DataError) as info:
        load_airfoil(path)
    message = str(info.value)
    assert (
        str(path) in message and SHA1 in message and "corrupted" in message
    )
    assert "delete" in message  # says how to fix it


def test_truncated_file_is_rejected(tmp_path, good_bytes):
    path = tmp_path / "airfoil_self_noise.dat"
    path.write_bytes(good_bytes[: len(good_bytes) // 2])
    with pytest.raises(DataError, match=SHA1):
        load_airfoil(path)


def test_wrong_shape_is_rejected_even_with_a_matching_checksum(
    tmp_path, monkeypatch, good_bytes
):
    path = tmp_path / "airfoil_self_noise.dat"
    path.write_bytes(
        b"".join(good_bytes.splitlines(keepends=True)[:-1])
    )  # one row short
    monkeypatch.setattr(
        data, "SHA1", hashlib.sha1(path.read_bytes()).hexdigest()
    )
    with pytest.raises(
        DataError, match=r"shape \(1502, 6\), expected \(1503, 6\)"
    ):
        load_airfoil(path)


def test_missing_file_is_downloaded_and_verified(tmp_path, airfoil_file):
    path = tmp_path / "sub" / "airfoil_self_noise.dat"
    download(
        path, url=airfoil_file.as_uri()
    )  # a real urllib fetch, from a local URL
    table = load_airfoil(path)
    assert table.shape == (1503, 6)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_offline_error_says_where_to_put_the_file(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError(
            "[Errno -3] Temporary failure in name resolution"
        )

    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    path = tmp_path / "airfoil_self_noise.dat"
    with pytest.raises(DataError) as info:
        load_airfoil(path)
    message = str(info.value)
    assert (
        f"to exactly this path: {path}" in message
        and data.URL in message
        and SHA1 in message
    )
    assert list(tmp_path.iterdir()) == []


class _BrokenResponse(io.BytesIO):
    """A response that delivers some bytes, then the connection drops."""

    def read(self, size=-1):
        if self.tell() > 0:
            raise ConnectionResetError("connection reset by peer")
        return super().read(1000)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_interrupted_download_leaves_no_partial_file(
    tmp_path, monkeypatch, good_bytes
):
    monkeypatch.setattr(
        data.urllib.request,
        "urlopen",
        lambda *a, **k: _BrokenResponse(good_bytes),
    )
    path = tmp_path / "airfoil_self_noise.dat"
    with pytest.raises(DataError, match="connection reset"):
        load_airfoil(path)
    assert list(tmp_path.iterdir()) == []


def test_wrong_download_is_discarded(tmp_path, monkeypatch):
    page = io.BytesIO(b"<html>Access denied</html>")
    monkeypatch.setattr(
        data.urllib.request, "urlopen", lambda *a, **k: page
    )
    path = tmp_path / "airfoil_self_noise.dat"
    with pytest.raises(DataError, match="was discarded"):
        load_airfoil(path)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def places(tmp_path, monkeypatch, good_bytes):
    """Empty stand-ins for the clone's data/, the package and the cache."""
    folders = {
        name: tmp_path / name
        for name in ("env", "clone", "package", "cache")
    }
    for folder in folders.values():
        folder.mkdir()
    monkeypatch.delenv(data.ENV, raising=False)
    monkeypatch.setattr(data, "_clone_data_dir", lambda: folders["clone"])
    monkeypatch.setattr(
        data, "PACKAGED", folders["package"] / data.FILE_NAME
    )
    monkeypatch.setattr(data, "cache_dir", lambda: folders["cache"])
    return folders


def put(folder, good_bytes):
    (folder / data.FILE_NAME).write_bytes(good_bytes)
    return folder / data.FILE_NAME


def test_the_file_is_looked_for_in_order(places, good_bytes, monkeypatch):
    cache = put(places["cache"], good_bytes)
    assert data.find_data_file() == cache
    packaged = put(places["package"], good_bytes)
    assert data.find_data_file() == packaged
    clone = put(places["clone"], good_bytes)
    assert data.find_data_file() == clone
    env = put(places["env"], good_bytes)
    monkeypatch.setenv(data.ENV, str(places["env"]))
    assert data.find_data_file() == env
    assert load_airfoil().shape == (1503, 6)


def test_an_installed_package_does_not_look_beside_site_packages(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(
        data, "__file__", str(tmp_path / "utils" / "data.py")
    )
    assert data._clone_data_dir() is None  # no pyproject.toml beside it
    (tmp_path / "pyproject.toml").write_text("")
    assert data._clone_data_dir() == tmp_path / "data"


def test_an_environment_variable_without_the_file_says_so(
    places, monkeypatch
):
    monkeypatch.setenv(data.ENV, str(places["env"]))
    with pytest.raises(DataError, match=f"{data.ENV} is set to"):
        load_airfoil()


def test_a_bad_copy_found_first_is_refused_not_skipped(places, good_bytes):
    put(places["package"], good_bytes)
    (places["clone"] / data.FILE_NAME).write_bytes(good_bytes[:100])
    with pytest.raises(DataError, match="corrupted or truncated"):
        load_airfoil()


def test_with_no_copy_anywhere_it_downloads_into_the_cache(
    places, monkeypatch, airfoil_file
):
    monkeypatch.setattr(data, "URL", airfoil_file.as_uri())  # a local URL
    assert load_airfoil().shape == (1503, 6)
    assert [p.name for p in places["cache"].iterdir()] == [data.FILE_NAME]


def test_offline_with_no_copy_anywhere_says_what_to_do(places, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure")

    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    with pytest.raises(DataError) as info:
        load_airfoil()
    message = str(info.value)
    where = places["cache"] / data.FILE_NAME
    assert f"to exactly this path: {where}" in message and SHA1 in message
    assert data.ENV in message and data.URL in message
    assert list(places["cache"].iterdir()) == []


def test_the_packaged_copy_is_the_verified_file():
    assert data.sha1_of(data.PACKAGED) == SHA1
