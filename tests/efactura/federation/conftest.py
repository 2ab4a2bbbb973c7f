"""Fixtures of the federation tests: this node is ``node-b`` and trusts a fake ``node-a``."""

from __future__ import annotations

from typing import Any

import pytest
from tests.efactura.federation.helpers import LOCAL_NODE, FakePeer
from tests.efactura.invoices.helpers import ADDRESS


@pytest.fixture
def peer() -> FakePeer:
    return FakePeer()


@pytest.fixture
def federation(settings: Any, peer: FakePeer) -> FakePeer:
    """This node is ``node-b``; ``node-a`` (the fake peer) is its only peer."""
    settings.EFACTURA_NODE_ID = LOCAL_NODE
    settings.EFACTURA_PEERS = [peer.entry()]
    return peer


@pytest.fixture
def seller(make_company: Any) -> Any:
    """The supplier (in real life registered on node-a; here it only signs the invoice)."""
    return make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)


@pytest.fixture
def buyer(make_company: Any) -> Any:
    """The customer registered on this node."""
    return make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450", **ADDRESS)
