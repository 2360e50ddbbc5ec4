"""No template of the project, and no script it serves, does what the Content-Security-Policy
refuses (script-src 'self', style-src 'self', no 'unsafe-eval'): no inline <script> with a body,
no on*= event handler, no javascript: URL, no inline <style> or style= attribute, and no htmx
attribute that htmx evaluates as code (hx-on, hx-vars, js: values)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

import pytest
from django.apps import apps
from django.conf import settings

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
EVALUATED_HTMX = re.compile(
    r"\shx-on\b|\shx-on[:-]|\shx-vars\s*=|\shx-vals\s*=\s*[\"']\s*js:", re.I
)
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def project_templates() -> list[Path]:
    """Templates in the project's template directory and in its own apps (not installed
    packages: the admin's and drf-spectacular's are checked in the browser instead)."""
    dirs = cast(list[str], settings.TEMPLATES[0]["DIRS"])
    roots = [Path(d) for d in dirs]
    roots += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR) and ".venv" not in Path(app.path).parts
    ]
    return sorted(p for root in roots if root.is_dir() for p in root.rglob("*.html"))


TEMPLATES = project_templates()


def problems(text: str) -> list[str]:
    text = COMMENT.sub("", text)
    found = [
        f"inline script: {body.strip()[:60]!r}"
        for attrs, body in SCRIPT.findall(text)
        if body.strip() or "src=" not in attrs
    ]
    for tag in TAG.findall(text):
        if HANDLER.search(tag):
            found.append(f"event handler: {tag[:80]}")
        if STYLE_ATTRIBUTE.search(tag):
            found.append(f"style attribute: {tag[:80]}")
        if EVALUATED_HTMX.search(tag):
            found.append(f"htmx evaluates code: {tag[:80]}")
    if STYLE_ELEMENT.search(text):
        found.append("inline <style> element")
    if JAVASCRIPT_URL.search(text):
        found.append("javascript: URL")
    return found


def test_the_scan_covers_the_project_templates():
    names = {p.relative_to(settings.BASE_DIR).as_posix() for p in TEMPLATES}
    assert {"templates/base.html", "templates/kpm/kpm_caseload.html"} <= names
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        "<script>\n  var x = 1;\n</script>",
        '<script type="module">import "x"</script>',
        '<button onclick="go()">x</button>',
        '<body onload = "go()">',
        '<a href="javascript:void(0)">x</a>',
        '<div style="color:red">x</div>',
        "<style>p { color: red }</style>",
        '<div hx-on:click="go()">x</div>',
        '<div hx-on="click: go()">x</div>',
        "<div hx-vals='js:{a: 1}'>x</div>",
        '<div hx-vars="a:1">x</div>',
    ],
)
def test_the_scan_finds_what_the_policy_refuses(snippet):
    assert problems(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/js/dashboard.js" defer></script>',
        "<script src=\"{% static 'vendor/htmx.min.js' %}\"></script>",
        '<a href="/kpm/" data-online="1">Daftar KPM</a>',
        "<p>Someone wrote onclick= in a sentence, not in a tag.</p>",
        '<div hx-get="/kpm/" hx-trigger="every 2s" hx-swap="outerHTML"></div>',
        "{# <script>alert(1)</script> #}",
    ],
)
def test_the_scan_lets_through_what_the_policy_allows(snippet):
    assert problems(snippet) == []


@pytest.mark.parametrize(
    "path", TEMPLATES, ids=[p.relative_to(settings.BASE_DIR).as_posix() for p in TEMPLATES]
)
def test_no_template_does_what_the_policy_refuses(path):
    assert problems(path.read_text(encoding="utf-8")) == []


SCRIPTS = sorted((settings.BASE_DIR / "static" / "js").glob("*.js"))
EVALUATES = re.compile(
    r"\beval\s*\(|new\s+Function\s*\(|setAttribute\(\s*[\"']style|set(?:Timeout|Interval)\(\s*[\"']"
)


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_the_projects_scripts_evaluate_no_text_and_set_no_style_attribute(path):
    assert not EVALUATES.search(path.read_text(encoding="utf-8"))
