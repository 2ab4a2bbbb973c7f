"""Discovery on this node: GET /federation/v1/participants/<id>, for signed peers only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.efactura.federation.helpers import FakePeer

from efactura.federation import identity, protocol


def ask(client: Any, peer: FakePeer, participant: str, *, when: dt.datetime | None = None) -> Any:
    path = f"/federation/v1/participants/{participant}"
    time = protocol.utc_text(when or dt.datetime.now(dt.UTC))
    signature = peer.sign(protocol.discovery_material(path=path, node=peer.node_id, time=time))
    headers = {
        protocol.NODE_HEADER: peer.node_id,
        protocol.TIME_HEADER: time,
        protocol.SIGNATURE_HEADER: signature,
    }
    return client.get(path, headers=headers)


def answer(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    content, canonical, signature = protocol.read_signed_body("answer", response.content)
    assert identity.verify(
        public_key=identity.public_key_text(), signature=signature, data=canonical
    )
    return content


def test_registered_company_is_served_here(client: Any, federation: FakePeer, buyer: Any) -> None:
    content = answer(ask(client, federation, "9920:ESA39123450"))
    assert content["served"] is True
    assert content["participant"] == "9920:ESA39123450"
    assert content["node"] == "node-b"
    assert answer(ask(client, federation, "9920:esa39123450"))["served"] is True
    assert answer(ask(client, federation, "9920:ESB48123459"))["served"] is False


def test_inactive_company_is_not_served(client: Any, federation: FakePeer, buyer: Any) -> None:
    buyer.is_active = False
    buyer.save()
    assert answer(ask(client, federation, "9920:ESA39123450"))["served"] is False


def test_strangers_and_stale_questions_learn_nothing(
    client: Any, federation: FakePeer, buyer: Any
) -> None:
    stranger = ask(client, FakePeer("node-x"), "9920:ESA39123450")
    assert stranger.status_code == 403
    assert b"ESA39123450" not in stranger.content
    impostor = ask(client, FakePeer("node-a"), "9920:ESA39123450")
    assert impostor.status_code == 401
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    assert ask(client, federation, "9920:ESA39123450", when=old).status_code == 401
    unsigned = client.get("/federation/v1/participants/9920:ESA39123450")
    assert unsigned.status_code == 403


def test_malformed_participant_is_explained(client: Any, federation: FakePeer, db: Any) -> None:
    response = ask(client, federation, "ESA39123450")
    assert response.status_code == 400
    assert "scheme:value" in response.json()["message"]
