"""Helpers shared by the browser tests: what left the machine, and how wide the page is."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit

from playwright.sync_api import Page

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def record_requests(page: Page) -> list[str]:
    """Every URL the page requests from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def outside(urls: list[str]) -> list[str]:
    """Requests to anything but this machine (data: and blob: URLs never leave it)."""
    return [
        u
        for u in urls
        if urlsplit(u).scheme in {"http", "https", "ws", "wss"}
        and urlsplit(u).hostname not in LOCAL_HOSTS
    ]


def scroll_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


class SignalProxy:
    """A TCP relay between the browser and the live server whose signal can be cut: while cut,
    every connection, the service worker's included, is dropped at once, as on a phone with
    no signal. (Playwright's offline emulation alone does not reach a service worker.)"""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        host = parts.hostname or "127.0.0.1"
        self.target = ("127.0.0.1" if host == "localhost" else host, parts.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.cut = threading.Event()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        """Hands each connection to its own thread at once, so a slow upstream never holds
        back the next connection (which would then hang instead of failing)."""
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        if self.cut.is_set():
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self.lock:
            self.open |= {client, upstream}
        if self.cut.is_set():  # cut while connecting
            self._drop(client, upstream)
            return
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self.cut.is_set():
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source, sink)

    def _drop(self, *sockets: socket.socket) -> None:
        with self.lock:
            for s in sockets:
                self.open.discard(s)
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def signal_lost(self) -> None:
        self.cut.set()
        with self.lock:
            alive = list(self.open)
        self._drop(*alive)

    def signal_back(self) -> None:
        self.cut.clear()

    def close(self) -> None:
        self.signal_lost()
        self.listener.close()
