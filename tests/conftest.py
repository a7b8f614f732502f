"""Shared fixtures: a tiny real sentence-transformers model, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory) -> str:
    """A real (untrained, 32-dimensional) sentence-transformers model on disk."""
    from tests.tiny_model import build_tiny_st_model

    return build_tiny_st_model(tmp_path_factory.mktemp("tiny-model") / "model")
