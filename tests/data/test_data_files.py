"""Finding, checking and downloading dataset files, against a local HTTP server."""

import hashlib
import http.server
import threading

import pytest

from cogalign.data.files import RemoteFile, download_file, find_local, locate
from cogalign.errors import ChecksumError, DatasetNotFoundError

PAYLOAD = b"item1 item2 item3\n" * 5000


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/good.txt":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path == "/truncated.txt":
            # promise the whole file, send half, close: an interrupted download
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)
    return tmp_path


SHA = hashlib.sha256(PAYLOAD).hexdigest()


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_download_checks_and_caches(server, env):
    remote = RemoteFile("demo/good.txt", (f"{server}/good.txt",), SHA)
    path = locate(remote, progress=False)
    assert path == env / "cache" / "datasets" / "demo" / "good.txt"
    assert path.read_bytes() == PAYLOAD
    assert leftovers(env / "cache") == ["good.txt"]
    # a second call finds the cached copy (no server needed)
    offline = RemoteFile("demo/good.txt", ("http://127.0.0.1:9/none",), SHA)
    assert locate(offline) == path


def test_falls_back_to_the_next_url(server, env):
    remote = RemoteFile("demo/good.txt", (f"{server}/missing.txt", f"{server}/good.txt"), SHA)
    assert locate(remote, progress=False).read_bytes() == PAYLOAD


def test_wrong_checksum_leaves_no_file(server, env):
    remote = RemoteFile("demo/good.txt", (f"{server}/good.txt",), "0" * 64)
    with pytest.raises(ChecksumError, match="discarded"):
        locate(remote, progress=False)
    assert leftovers(env / "cache") == []


def test_interrupted_download_leaves_no_file(server, env):
    remote = RemoteFile("demo/t.txt", (f"{server}/truncated.txt",), SHA)
    with pytest.raises(DatasetNotFoundError) as info:
        locate(remote, progress=False)
    assert f"{server}/truncated.txt" in str(info.value)
    assert leftovers(env / "cache") == []


def test_offline_error_names_url_and_where_to_put_the_file(env):
    remote = RemoteFile("demo/x.txt", ("http://127.0.0.1:9/x.txt",), SHA)
    with pytest.raises(DatasetNotFoundError) as info:
        locate(remote, progress=False)
    text = str(info.value)
    assert "http://127.0.0.1:9/x.txt" in text
    assert str(env / "cache" / "datasets" / "demo" / "x.txt") in text
    assert "COGALIGN_DATA_PATH" in text


def test_no_download_when_not_allowed(env):
    remote = RemoteFile("demo/x.txt", ("http://127.0.0.1:9/x.txt",), SHA)
    with pytest.raises(DatasetNotFoundError, match="not available locally"):
        locate(remote, download=False)


def test_search_path_comes_first_and_is_checked(env, monkeypatch):
    a, b = env / "a", env / "b"
    (b / "demo").mkdir(parents=True)
    (b / "demo" / "good.txt").write_bytes(PAYLOAD)
    monkeypatch.setenv("COGALIGN_DATA_PATH", f"{a}:{b}")
    remote = RemoteFile("demo/good.txt", ("http://127.0.0.1:9/x",), SHA)
    assert find_local(remote) == b / "demo" / "good.txt"
    (b / "demo" / "good.txt").write_bytes(PAYLOAD + b"tampered")
    with pytest.raises(ChecksumError, match="was not used"):
        locate(remote)


def test_corrupted_cache_file_is_not_used_nor_silently_overwritten(server, env):
    remote = RemoteFile("demo/good.txt", (f"{server}/good.txt",), SHA)
    path = locate(remote, progress=False)
    path.write_bytes(b"corrupted")
    with pytest.raises(ChecksumError, match=str(path)):
        locate(remote, progress=False)
    with pytest.raises(ChecksumError):
        download_file(remote, progress=False)
    assert path.read_bytes() == b"corrupted"
    # an explicit --force replaces it with a checked copy
    assert download_file(remote, progress=False, force=True).read_bytes() == PAYLOAD
