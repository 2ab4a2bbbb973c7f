"""Whole-number settings: defaults, valid values and a clear error for anything else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from efactura.environment import positive_int


def test_unset_or_empty_gives_the_default() -> None:
    assert positive_int({}, "EFACTURA_RESPONSE_DAYS", 4) == 4
    assert positive_int({"EFACTURA_RESPONSE_DAYS": " "}, "EFACTURA_RESPONSE_DAYS", 4) == 4


def test_a_positive_number_is_read() -> None:
    assert positive_int({"EFACTURA_RESPONSE_DAYS": "8"}, "EFACTURA_RESPONSE_DAYS", 4) == 8


@pytest.mark.parametrize("raw", ["0", "-3", "four", "1.5"])
def test_anything_else_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_RESPONSE_DAYS must be a whole"):
        positive_int({"EFACTURA_RESPONSE_DAYS": raw}, "EFACTURA_RESPONSE_DAYS", 4)
