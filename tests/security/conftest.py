"""Fixtures of the security tests: uploads in a temporary folder, and the matrix's scene."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.conftest import World
from tests.security.scene import Scene, scene_build


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def quiet_refusals() -> Iterator[None]:
    """Django logs each 4xx answer as a warning with its traceback; thousands of expected
    refusals would only slow the matrix down. Server errors are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def scene(world: World) -> Scene:
    return scene_build(world)
