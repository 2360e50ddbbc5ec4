"""Fixtures of the security tests: uploads in a temporary folder, and the matrix's scene."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.security.scene import Scene, scene_build


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scene(world: World) -> Scene:
    return scene_build(world)
