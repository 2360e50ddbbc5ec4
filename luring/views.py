"""The installable app: its manifest, its service worker (from the site root, so it may keep
every page of the site), the page shown offline for a page not kept, and the list of pages a
pendamping's phone keeps."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from luring.selectors import offline_pages
from pengguna.models import Role

# What every page needs, kept by the service worker when it installs.
SHELL_ASSETS = (
    "css/app.css", "js/luring.js", "vendor/htmx.min.js", "js/visit-location.js",
    "icons/icon-192.png", "icons/icon-512.png",
)  # fmt: skip


def shell_urls() -> list[str]:
    return [static(path) for path in SHELL_ASSETS] + [reverse("luring:offline")]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: name, colours and icons, so Android Chrome can install it."""
    body = {
        "name": _("PKH Graduasi"),
        "short_name": _("PKH Graduasi"),
        "description": _("Kunjungan, komitmen dan P2K2 keluarga PKH, juga tanpa sinyal."),
        "lang": "id",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7f8",
        "theme_color": "#0b6e4f",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _shell_contents() -> bytes:
    """The shell's files as they are now, so that a changed file is a new version even where
    their addresses carry no hash of their content (development)."""
    found = (finders.find(path) for path in SHELL_ASSETS)
    return b"".join(Path(str(f)).read_bytes() for f in found if f)


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker. Its version is a digest of its own text and of the shell's
    addresses and files, so a new release of any of them installs a new worker."""
    shell = shell_urls()
    text = render_to_string("luring/sw.js", {"shell": json.dumps(shell), "version": "{version}"})
    version = hashlib.sha256(text.encode() + _shell_contents()).hexdigest()[:12]
    response = HttpResponse(text.replace("{version}", version), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown offline in place of a page the phone has not kept. It names nobody: the service
    worker keeps one copy for every user of the phone."""
    return render(request, "luring/offline.html")


@login_required
@require_GET
@never_cache
def pages(request: HttpRequest) -> JsonResponse:
    """The pages the pendamping's phone fetches and keeps (their own caseload only)."""
    if getattr(request.user, "role", None) != Role.PENDAMPING:
        raise PermissionDenied
    listed = offline_pages(request.user)  # type: ignore[arg-type]
    return JsonResponse({"halaman": listed, "dibuat": timezone.now().isoformat()})
