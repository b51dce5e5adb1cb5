"""Fixtures the unit tests share."""

import pytest


@pytest.fixture
def preset(tmp_path):
    path = tmp_path / "preset"
    path.mkdir()
    (path / "config.json").write_text("{}")  # enough for the up-front check; never loaded
    return str(path)
