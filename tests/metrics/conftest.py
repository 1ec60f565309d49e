"""Fixtures for the figures: the participation area tree and round."""

from tests.participation.conftest import frozen, spi_round, tree  # noqa: F401
