"""Environment readers fail loudly on malformed values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_optional, env_str


def test_env_bool_reads_common_spellings(monkeypatch):
    for raw, expected in [("true", True), ("1", True), ("Yes", True), ("off", False), ("0", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", default=not expected) is expected


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "mungkin")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", default=False)


def test_env_int_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("X_NUM", "sepuluh")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "10")
    assert env_int("X_NUM", 1) == 10


def test_required_variable_missing_is_an_error(monkeypatch):
    monkeypatch.delenv("X_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_SECRET is required"):
        env_str("X_SECRET")
    assert env_str("X_SECRET", default="d") == "d"


def test_optional_and_list(monkeypatch):
    monkeypatch.setenv("X_OPT", "  ")
    assert env_optional("X_OPT") is None
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_list("X_LIST", []) == ["a", "b", "c"]
