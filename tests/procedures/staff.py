"""Temporary shim while test_services.py moves to tests/conftest.py's fixtures; removed in the same change."""

from tests.clinic import FRIDAY, LONDON, MONDAY, NOW, SATURDAY, THURSDAY, TODAY, at  # noqa: F401
from tests.conftest import ductogram, frozen_now, room2  # noqa: F401
