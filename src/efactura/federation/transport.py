"""HTTP between nodes (httpx): post a message, ask a discovery question.

Only this module opens connections to peers, with bounded timeouts and without following
redirects (a peer's address is configuration, not something a response may change).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
from django.utils import timezone

from efactura.federation import identity, protocol
from efactura.federation.selectors import PeerInfo

USER_AGENT = "efactura-federation/1"


class Unreachable(Exception):
    """The peer could not be reached or did not answer in time."""


def messages_url(peer: PeerInfo) -> str:
    return f"{peer.base_url}/federation/v1/messages"


def participant_path(participant: str) -> str:
    """The logical path a discovery request names and signs."""
    return f"/federation/v1/participants/{participant}"


def post_message(
    peer: PeerInfo,
    *,
    envelope_header: str,
    signature: str,
    payload: bytes,
    content_type: str,
    timeout: float,
) -> httpx.Response:
    headers = {
        protocol.ENVELOPE_HEADER: envelope_header,
        protocol.SIGNATURE_HEADER: signature,
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
    }
    try:
        return httpx.post(
            messages_url(peer),
            content=payload,
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise Unreachable(f"{peer.base_url}: {type(exc).__name__}: {exc}") from None


def ask_participant(peer: PeerInfo, participant: str, *, timeout: float) -> bool | None:
    """Whether ``peer`` serves ``participant``: True/False, or None when it could not say
    (unreachable, error, unsigned or wrongly signed answer)."""
    path = participant_path(participant)
    now = protocol.utc_text(timezone.now())
    me = identity.node_id()
    headers = {
        protocol.NODE_HEADER: me,
        protocol.TIME_HEADER: now,
        protocol.SIGNATURE_HEADER: identity.sign(
            protocol.discovery_material(path=path, node=me, time=now)
        ),
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    try:
        response = httpx.get(
            peer.base_url + quote(path, safe="/:"),
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        answer, canonical, signature = protocol.read_signed_body("answer", response.content)
    except protocol.ProtocolError:
        return None
    if not identity.verify(public_key=peer.public_key, signature=signature, data=canonical):
        return None
    if answer.get("node") != peer.node_id or answer.get("participant") != participant:
        return None
    return answer.get("served") is True


def problem_text(response: httpx.Response) -> str:
    """The sentence a peer's refusal carries (its ``message``), else the start of the body."""
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return response.text[:300] or response.reason_phrase
    if isinstance(data, dict) and data.get("message"):
        code = data.get("error", "")
        return f"{code}: {data['message']}" if code else str(data["message"])
    return response.text[:300]
