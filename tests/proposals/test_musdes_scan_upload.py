"""Uploads: an oversized Musdes scan is refused with 413 before its body is read."""

from __future__ import annotations

import http.client as http_client
import io
import re
import socket
import threading
from urllib.parse import urlencode

import pytest

from tests.factories import ARO, PASSWORD
from tests.http import csrf_from, login

LIMIT_EXCEEDED = 50 * 1024 * 1024  # 50 MB announced; the limit is 10 MB


class Tripwire(io.BytesIO):
    """A request body that counts what the server reads of it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def read1(self, size=-1):
        data = super().read1(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.bytes_read += n
        return n


@pytest.fixture
def operator(make_user):
    return make_user("operator", villages=[ARO], full_name="Rina Marlina")


def _multipart(token: str) -> bytes:
    return (b"--batas\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            + token.encode() + b"\r\n--batas\r\nContent-Disposition: form-data; name=\"scan\"; "
            b"filename=\"BA Musdes Aro.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n")


def test_oversized_musdes_scan_gets_413_without_reading_the_body(app, client, operator):
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    login(client, operator)
    page = client.get(f"/usulan/musdes/baru?desa={ARO}")
    assert page.status_code == 200
    body = Tripwire(_multipart(csrf_from(page.text)))
    resp = client.post(f"/usulan/musdes/baru?desa={ARO}", input_stream=body,
                       content_type="multipart/form-data; boundary=batas",
                       environ_overrides={"CONTENT_LENGTH": str(LIMIT_EXCEEDED)})
    assert resp.status_code == 413
    assert "Berkas terlalu besar" in resp.text  # the Indonesian error page
    assert body.bytes_read == 0


def test_a_real_server_answers_413_at_once_to_a_50_mb_announcement(app, operator):
    """Over a socket: the headers announce 50 MB, a few bytes follow, and the
    answer comes without the server waiting for the rest."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        cookies: dict[str, str] = {}

        def http(method, path, form=None):
            conn = http_client.HTTPConnection("127.0.0.1", port, timeout=10)
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode()
            for value in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
            conn.close()
            return resp.status, text

        _s, login_page = http("GET", "/masuk")
        status, _t = http("POST", "/masuk", {"username": operator.username,
                                            "password": PASSWORD,
                                            "csrf_token": csrf_from(login_page)})
        assert status == 302
        status, page = http("GET", f"/usulan/musdes/baru?desa={ARO}")
        assert status == 200
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(
            f"POST /usulan/musdes/baru?desa={ARO} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: {cookie}\r\n"
            "Content-Type: multipart/form-data; boundary=batas\r\n"
            f"Content-Length: {LIMIT_EXCEEDED}\r\n\r\n".encode() + _multipart(csrf_from(page)))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)  # times out (test fails) if the server waits for 50 MB
            if not chunk:
                break
            answer += chunk
        sock.close()
        assert re.match(rb"HTTP/1\.[01] 413", answer), answer[:200]
    finally:
        server.shutdown()
        thread.join(5)
