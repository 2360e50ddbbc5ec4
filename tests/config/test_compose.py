"""docker-compose.yml is for deployers; it must name the project's real commands."""

import re
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_a_deployment_needs():
    assert set(compose()["services"]) == {"db", "redis", "web", "worker", "beat"}


def test_every_manage_py_command_in_compose_exists():
    text = (ROOT / "docker-compose.yml").read_text()
    named = set(re.findall(r"manage\.py (\w+)", text))
    assert named >= {"migrate", "load_wilayah", "collectstatic"}
    assert named <= set(get_commands())


def test_web_worker_and_beat_point_at_real_modules():
    import config.celery
    import config.wsgi

    services = compose()["services"]
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert "celery -A config worker" in services["worker"]["command"]
    assert "celery -A config beat" in services["beat"]["command"]
    assert config.wsgi.application is not None
    assert config.celery.app.main == "pkh"


def test_env_example_lists_every_variable_settings_read():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', settings_text))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read <= listed, f"missing from .env.example: {read - listed}"
