"""Helpers shared by the browser tests: what left the machine, and how wide the page is."""

from __future__ import annotations

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
