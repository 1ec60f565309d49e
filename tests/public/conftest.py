"""Each public-page test starts with an empty board cache (the app lives for the whole session)."""

import pytest


@pytest.fixture(autouse=True)
def empty_board_cache(app):
    cache = app.extensions.get("public_board_cache")
    if cache is not None:
        cache.clear()
    yield
