"""Reading EFACTURA_PEERS / EFACTURA_NODE_ID, the node key, ``efactura node`` and ``peer add``."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from tests.efactura.federation.helpers import FakePeer

from efactura.federation import config, identity
from efactura.federation.models import Peer
from efactura.federation.selectors import access_peer_by_id, list_peers
from efactura.federation.services import do_add_peer

KEY = FakePeer().public_key


def test_peers_from_json_text_and_file(tmp_path: Path) -> None:
    entry = {"id": "bank-b", "url": "https://efactura.bank-b.example/", "public_key": KEY}
    assert config.peers({"EFACTURA_PEERS": json.dumps([entry])}) == [
        {"id": "bank-b", "url": "https://efactura.bank-b.example", "public_key": KEY}
    ]
    path = tmp_path / "peers.json"
    path.write_text(json.dumps([entry]))
    assert config.peers({"EFACTURA_PEERS": str(path)})[0]["id"] == "bank-b"
    assert config.peers({}) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "not valid JSON"),
        ("/nonexistent/peers.json", "neither a JSON list nor a readable file"),
        ('{"id": "x"}', "neither a JSON list"),
        ('[{"id": "bank-b", "url": "https://b.example"}]', "lacks public_key"),
        (
            f'[{{"id": "Bank B", "url": "https://b.example", "public_key": "{KEY}"}}]',
            "not a valid node id",
        ),
        (
            f'[{{"id": "b", "url": "ftp://b.example", "public_key": "{KEY}"}}]',
            "http:// or https://",
        ),
        ('[{"id": "b", "url": "https://b.example", "public_key": "c2hvcnQ="}]', "5 bytes long"),
        (
            f'[{{"id": "b", "url": "https://b.example", "public_key": "{KEY}"}},'
            f' {{"id": "b", "url": "https://c.example", "public_key": "{KEY}"}}]',
            "appears twice",
        ),
    ],
)
def test_bad_peer_lists_stop_the_start_with_a_sentence(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        config.peers({"EFACTURA_PEERS": value})


def test_node_id_default_is_stable_and_differs_per_data_folder(tmp_path: Path) -> None:
    one = config.node_id({}, tmp_path / "one")
    assert one == config.node_id({}, tmp_path / "one")
    assert one != config.node_id({}, tmp_path / "two")
    assert config.NODE_ID_PATTERN.match(one)
    assert config.node_id({"EFACTURA_NODE_ID": "bank-a"}, tmp_path) == "bank-a"
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_NODE_ID"):
        config.node_id({"EFACTURA_NODE_ID": "Bank A!"}, tmp_path)


def test_node_key_is_created_once_private_and_signs(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.EFACTURA_NODE_KEY_FILE = ""
    public = identity.public_key_text()
    path = tmp_path / "node" / identity.KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    identity._load.cache_clear()
    assert identity.public_key_text() == public  # read back, not regenerated
    signature = identity.sign(b"hello")
    assert identity.verify(public_key=public, signature=signature, data=b"hello")
    assert not identity.verify(public_key=public, signature=signature, data=b"hellO")
    assert not identity.verify(public_key=KEY, signature=signature, data=b"hello")


def test_missing_configured_key_file_is_a_clear_error(settings: Any, tmp_path: Path) -> None:
    settings.EFACTURA_NODE_KEY_FILE = str(tmp_path / "absent.pem")
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        identity.private_key()


def test_peers_from_settings_win_over_database_rows(settings: Any, db: Any) -> None:
    settings.EFACTURA_NODE_ID = "node-a"
    settings.EFACTURA_PEERS = [{"id": "bank-b", "url": "https://b.example", "public_key": KEY}]
    do_add_peer(node_id="bank-b", base_url="https://old.example", public_key=KEY)
    do_add_peer(node_id="bank-c", base_url="https://c.example/", public_key=KEY)
    Peer.objects.create(
        node_id="bank-d", base_url="https://d.example", public_key=KEY, is_active=False
    )

    assert [(p.node_id, p.base_url, p.source) for p in list_peers()] == [
        ("bank-b", "https://b.example", "settings"),
        ("bank-c", "https://c.example", "database"),
    ]
    assert access_peer_by_id(node_id="bank-d") is None
    with pytest.raises(ValidationError):
        do_add_peer(node_id="node-a", base_url="https://a.example", public_key=KEY)
    with pytest.raises(ValidationError):
        do_add_peer(node_id="bank-e", base_url="https://e.example", public_key="nope")


def test_cli_node_and_peer_add(settings: Any, db: Any, capsys: Any) -> None:
    from efactura import cli

    settings.EFACTURA_NODE_ID = "node-a"
    assert cli.main(["node", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {
        "id": "node-a",
        "url": settings.EFACTURA_BASE_URL,
        "public_key": identity.public_key_text(),
    }
    assert (
        cli.main(
            ["peer", "add", "--id", "bank-c", "--url", "https://c.example", "--public-key", KEY]
        )
        == 0
    )
    assert Peer.objects.get(node_id="bank-c").public_key == KEY
    assert (
        cli.main(["peer", "add", "--id", "bank-c", "--url", "c.example", "--public-key", KEY]) == 2
    )
    assert "http:// or https://" in capsys.readouterr().err
