"""The Peppol AS4 message layer: MIME, ebMS 3.0 headers, WS-Security, receipts and errors.

Built directly on lxml (exclusive C14N, prebuilt envelope templates filled per message) and
``cryptography`` (RSA-SHA256 signatures, AES-128-GCM payloads, RSA-OAEP key transport with
MGF1-SHA-256), so a message costs a few milliseconds of CPU at each end.  What the Peppol AS4
profile 2.0 asks of a message, and what this module does:

- One-Way/Push user message: PartyIds of type ``urn:fdc:peppol.eu:2017:identifiers:ap``
  (the CNs of the access points' certificates), Peppol agreement, Service = process, Action =
  ``busdox-docid-qns::`` document type, ``originalSender``/``finalRecipient`` properties.
- The SBD travels gzip-compressed as the first MIME attachment; the SOAP Body stays empty.
- Compress, then sign, then encrypt.  The signature (RSA-SHA256, SHA-256 digests, exclusive
  C14N, the signer's certificate as BinarySecurityToken) covers ``eb:Messaging``, the Body and
  each attachment through the Attachment-Content-Signature-Transform (digest of the
  compressed bytes).  The attachment is AES-128-GCM encrypted (IV, ciphertext, tag) under a
  key sent with RSA-OAEP (MGF1 and digest SHA-256) for the receiving AP's certificate.
- The receiver answers synchronously with a signed receipt whose NonRepudiationInformation
  repeats every ``ds:Reference`` of the message's signature, or a signed ebMS error signal.

Who is trusted is the caller's decision (``resolve_signer``); so is duplicate elimination.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import os
import re
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from lxml import etree

S12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
SH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SWA = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1"
ATTACHMENT_SIGNATURE = SWA + "#Attachment-Content-Signature-Transform"
ATTACHMENT_CIPHERTEXT = SWA + "#Attachment-Ciphertext-Transform"
ATTACHMENT_CONTENT_ONLY = SWA + "#Attachment-Content-Only"
AES128_GCM = XENC11 + "aes128-gcm"
RSA_OAEP = XENC11 + "rsa-oaep"
MGF1_SHA256 = XENC11 + "mgf1sha256"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
ENCRYPTED_KEY_TYPE = SWA.replace("SwAProfile", "soap-message-security") + "#EncryptedKey"

PEPPOL_PARTY_TYPE = "urn:fdc:peppol.eu:2017:identifiers:ap"
AGREEMENT = "urn:fdc:peppol.eu:2017:agreements:tia:ap_provider"
INITIATOR = EB + "initiator"
RESPONDER = EB + "responder"
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
GZIP = "application/gzip"

SOAP_CONTENT_TYPE = "application/soap+xml;charset=utf-8"
USER_AGENT = "efactura-as4"

_NS = {
    "S12": S12,
    "wsse": WSSE,
    "wsu": WSU,
    "ds": DS,
    "ec": EC,
    "xenc": XENC,
    "xenc11": XENC11,
    "eb": EB,
    "ebbp": EBBP,
    "sh": SH,
}
_WSU_ID = f"{{{WSU}}}Id"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_comments=False, huge_tree=False
)
_OAEP_SHA256 = padding.OAEP(
    mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class AS4Error(Exception):
    """A received message that cannot be accepted: answered with this ebMS error."""

    def __init__(
        self,
        code: str,
        short: str,
        detail: str = "",
        *,
        category: str = "Processing",
        description: str = "",
        severity: str = "failure",
    ) -> None:
        super().__init__(f"{code} {short}: {detail}".strip(" :"))
        self.code, self.short, self.detail = code, short, detail
        self.category, self.description, self.severity = category, description, severity


def _invalid_header(detail: str) -> AS4Error:
    return AS4Error("EBMS:0009", "InvalidHeader", detail, category="Unpackaging")


def _mime(detail: str) -> AS4Error:
    return AS4Error("EBMS:0007", "MimeInconsistency", detail, category="Unpackaging")


def _authentication(detail: str) -> AS4Error:
    return AS4Error("EBMS:0101", "FailedAuthentication", detail)


def _decryption(detail: str) -> AS4Error:
    return AS4Error("EBMS:0102", "FailedDecryption", detail)


def _policy(detail: str) -> AS4Error:
    return AS4Error("EBMS:0103", "PolicyNoncompliance", detail)


def _inconsistent(detail: str) -> AS4Error:
    return AS4Error("EBMS:0003", "ValueInconsistent", detail, category="Content")


def not_serviced(detail: str = "") -> AS4Error:
    """Peppol's answer for a receiver, document type or process this AP does not serve."""
    return AS4Error(
        "EBMS:0004",
        "Other",
        "PEPPOL:NOT_SERVICED",
        category="Content",
        description=detail or "The addressed participant is not serviced by this access point",
    )


class UntrustedSigner(Exception):
    """Raised by a ``resolve_signer`` callback: the signing certificate is not accepted."""


class NotServiced(Exception):
    """Raised by an ``accept_participant`` callback: the receiver is not served here."""


class ReceiptError(Exception):
    """A signal answering our message that proves nothing (unsigned, wrong signer, tampered,
    referring to another message, or not acknowledging what we signed)."""


# ---------------------------------------------------------------------------------------------
# Identity (this AP's key and certificate, prepared once per process)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Identity:
    party_id: str
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    token: str
    """The certificate's DER in base64: the BinarySecurityToken of every message."""


def identity(certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> Identity:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return Identity(
        party_id=str(names[0].value) if names else "",
        certificate=certificate,
        key=key,
        token=base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode(),
    )


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


# ---------------------------------------------------------------------------------------------
# MIME multipart/related
# ---------------------------------------------------------------------------------------------

_PARAM = re.compile(r';\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))')


def content_type_parameters(content_type: str) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _PARAM.finditer(content_type)
    }


def build_related(soap: bytes, attachments: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """(Content-Type, body) of a SOAP 1.2 message with attachments."""
    boundary = f"----=_Part_{uuid.uuid4().hex}"
    delimiter = f"--{boundary}\r\n".encode()
    parts = [
        delimiter,
        b"Content-Type: application/soap+xml; charset=UTF-8\r\n"
        b"Content-Transfer-Encoding: binary\r\n\r\n",
        soap,
        b"\r\n",
    ]
    for cid, content in attachments:
        parts += [
            delimiter,
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n",
            f"Content-ID: <{cid}>\r\n\r\n".encode(),
            content,
            b"\r\n",
        ]
    parts.append(f"--{boundary}--\r\n".encode())
    content_type = f'multipart/related; type="application/soap+xml"; boundary="{boundary}"'
    return content_type, b"".join(parts)


def split_related(content_type: str, body: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The SOAP part and the attachments (by Content-ID, in order) of a multipart/related
    body, split on the boundary directly (no generic MIME parser)."""
    boundary = content_type_parameters(content_type).get("boundary", "")
    if not boundary:
        raise _mime("The multipart/related Content-Type names no boundary")
    marker = b"\n--" + boundary.encode("latin-1")
    chunks = (b"\n" + body).split(marker)
    if len(chunks) < 3:
        raise _mime("The message has no MIME parts")
    soap: bytes | None = None
    attachments: dict[str, bytes] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        line_end = chunk.find(b"\n")
        if line_end < 0:
            raise _mime("A MIME part has no headers")
        rest = chunk[line_end + 1 :]
        head_end, skip = rest.find(b"\r\n\r\n"), 4
        if head_end < 0 or (0 <= rest.find(b"\n\n") < head_end):
            head_end, skip = rest.find(b"\n\n"), 2
        if head_end < 0:
            if rest.startswith(b"\r\n") or rest.startswith(b"\n"):
                head_end, skip = 0, 2 if rest.startswith(b"\r\n") else 1
            else:
                raise _mime("A MIME part's headers do not end")
        headers = _part_headers(rest[:head_end])
        content = rest[head_end + skip :]
        if content.endswith(b"\r"):
            content = content[:-1]
        encoding = headers.get("content-transfer-encoding", "binary").lower()
        if encoding == "base64":
            content = base64.b64decode(content)
        elif encoding not in ("binary", "8bit", "7bit"):
            raise _mime(f"Unsupported Content-Transfer-Encoding {encoding}")
        if soap is None:
            soap = content
            continue
        cid = headers.get("content-id", "").strip().removeprefix("<").removesuffix(">")
        if not cid:
            raise _mime("An attachment has no Content-ID")
        attachments[cid] = content
    if soap is None:
        raise _mime("The message has no SOAP part")
    return soap, attachments


def _part_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    name = ""
    for line in block.decode("latin-1").splitlines():
        if line[:1] in (" ", "\t") and name:
            headers[name] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        headers[name] = value.strip()
    return headers


# ---------------------------------------------------------------------------------------------
# XML signature
# ---------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _c14n(element: etree._Element, prefixes: list[str] | None = None) -> bytes:
    return etree.tostring(
        element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=prefixes
    )


def _ids(root: etree._Element) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for element in root.iter(etree.Element):
        value = element.get(_WSU_ID) or element.get("Id")
        if value is not None:
            if value in found:
                raise _authentication(f"The Id {value} appears twice")
            found[value] = element
    return found


def _reference_xml(uri: str, transform: str, digest: str) -> str:
    return (
        f"<ds:Reference URI={quoteattr(uri)}><ds:Transforms>"
        f'<ds:Transform Algorithm="{transform}"/></ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{SHA256}"/>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"
    )


def _sign(
    root: etree._Element, signer: Identity, targets: list[str], attachments: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Fill the ``ds:Signature`` (with an empty ``ds:SignedInfo``) of ``root``: references to
    the elements with wsu:Ids ``targets`` and to the attachments (cid, digest); returns the
    signed (URI, digest) pairs."""
    ids = _ids(root)
    references: list[tuple[str, str, str]] = []
    for target in targets:
        references.append(
            (f"#{target}", EXC_C14N, _b64(hashlib.sha256(_c14n(ids[target])).digest()))
        )
    for cid, digest in attachments:
        references.append((f"cid:{cid}", ATTACHMENT_SIGNATURE, digest))
    signed_info_xml = (
        f'<ds:SignedInfo xmlns:ds="{DS}">'
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/>'
        f'<ds:SignatureMethod Algorithm="{RSA_SHA256}"/>'
        + "".join(_reference_xml(*reference) for reference in references)
        + "</ds:SignedInfo>"
    )
    signed_info = etree.fromstring(signed_info_xml, _PARSER)
    signature_value = signer.key.sign(_c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    placeholder = root.find(".//ds:Signature/ds:SignedInfo", _NS)
    assert placeholder is not None
    placeholder.getparent().replace(placeholder, signed_info)  # type: ignore[union-attr]
    value = root.find(".//ds:Signature/ds:SignatureValue", _NS)
    assert value is not None
    value.text = _b64(signature_value)
    return [(uri, digest) for uri, _transform, digest in references]


@dataclass
class _Checked:
    certificate: x509.Certificate
    references: list[etree._Element]
    attachment_digests: dict[str, tuple[str, str]]
    """cid → (digest algorithm URI, expected digest) of the attachment references."""


def _hash(algorithm: str, data: bytes) -> str:
    if algorithm == SHA256:
        return _b64(hashlib.sha256(data).digest())
    if algorithm == "http://www.w3.org/2001/04/xmlenc#sha512":
        return _b64(hashlib.sha512(data).digest())
    raise _authentication(f"Unsupported digest algorithm {algorithm}")


def _token_certificate(security: etree._Element, signature: etree._Element) -> x509.Certificate:
    reference = signature.find("ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference", _NS)
    uri = reference.get("URI", "") if reference is not None else ""
    if not uri.startswith("#"):
        raise _authentication("The signature names no BinarySecurityToken")
    for token in security.iterfind("wsse:BinarySecurityToken", _NS):
        if token.get(_WSU_ID) == uri[1:]:
            if token.get("ValueType") != X509V3:
                raise _authentication("The BinarySecurityToken is not an X509v3 certificate")
            try:
                return x509.load_der_x509_certificate(
                    base64.b64decode("".join(map(str, token.itertext())))
                )
            except ValueError:
                raise _authentication("The BinarySecurityToken is not a certificate") from None
    raise _authentication(f"The signature's token {uri} is not in the message")


def _check_signature(
    root: etree._Element,
    security: etree._Element,
    resolve: Callable[[x509.Certificate], x509.Certificate],
    ids: dict[str, etree._Element],
) -> _Checked:
    """Verify the WS-Security signature of ``root`` (the certificate is accepted by
    ``resolve``) and the digests of the XML parts it signs; attachment digests are returned
    for checking once decrypted."""
    signature = security.find("ds:Signature", _NS)
    if signature is None:
        raise _policy("The message is not signed")
    signed_info = signature.find("ds:SignedInfo", _NS)
    value = signature.findtext("ds:SignatureValue", namespaces=_NS)
    if signed_info is None or not value:
        raise _authentication("The signature has no SignedInfo or SignatureValue")
    method = signed_info.find("ds:CanonicalizationMethod", _NS)
    if method is None or method.get("Algorithm") != EXC_C14N:
        raise _authentication("The signature is not canonicalised with exclusive C14N")
    algorithm = signed_info.find("ds:SignatureMethod", _NS)
    if algorithm is None or algorithm.get("Algorithm") != RSA_SHA256:
        raise _authentication("The signature algorithm is not RSA-SHA256")
    certificate = resolve(_token_certificate(security, signature))
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _authentication("The signing certificate has no RSA key")
    try:
        public_key.verify(
            base64.b64decode(value),
            _c14n(signed_info, _prefixes(method)),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        raise _authentication("The signature does not verify") from None
    references = signed_info.findall("ds:Reference", _NS)
    attachments: dict[str, tuple[str, str]] = {}
    for reference in references:
        uri = reference.get("URI", "")
        transforms = reference.findall("ds:Transforms/ds:Transform", _NS)
        digest_method = reference.find("ds:DigestMethod", _NS)
        algorithm_uri = digest_method.get("Algorithm", "") if digest_method is not None else ""
        expected = (reference.findtext("ds:DigestValue", namespaces=_NS) or "").strip()
        if uri.startswith("cid:"):
            if [t.get("Algorithm") for t in transforms] != [ATTACHMENT_SIGNATURE]:
                raise _authentication(f"Unsupported transform for {uri}")
            attachments[uri[4:]] = (algorithm_uri, expected)
            continue
        target = ids.get(uri.removeprefix("#")) if uri.startswith("#") else None
        if target is None:
            raise _authentication(f"The signed part {uri} is not in the message")
        if len(transforms) != 1 or transforms[0].get("Algorithm") != EXC_C14N:
            raise _authentication(f"Unsupported transform for {uri}")
        if _hash(algorithm_uri, _c14n(target, _prefixes(transforms[0]))) != expected:
            raise _authentication(f"The digest of {uri} does not match")
    return _Checked(certificate=certificate, references=references, attachment_digests=attachments)


def _prefixes(element: etree._Element) -> list[str] | None:
    inclusive = element.find("ec:InclusiveNamespaces", _NS)
    if inclusive is None:
        return None
    return [p if p != "#default" else "" for p in inclusive.get("PrefixList", "").split()]


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def document_parts(document_type: str) -> tuple[str, str, str]:
    """(root namespace, root name, version) of a busdox-docid-qns document type value."""
    root, _sep, customization = document_type.partition("##")
    namespace, _sep, name = root.rpartition("::")
    _customization, _sep, version = customization.rpartition("::")
    if not namespace or not name or not version:
        raise ValueError(f"{document_type!r} is not a busdox-docid-qns document type")
    return namespace, name, version


_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _document_root(payload: bytes) -> bytes:
    """The payload's XML without its declaration, to place inside the SBD."""
    payload = payload.removeprefix(b"\xef\xbb\xbf")
    declaration = _XML_DECLARATION.match(payload)
    encoding = _ENCODING.search(declaration.group(0)) if declaration else None
    plain = encoding is None or encoding.group(1).lower() in (b"utf-8", b"utf8")
    if plain and b"<!DOCTYPE" not in payload[:4096]:
        return payload[declaration.end() :] if declaration else payload
    root = etree.fromstring(payload, _PARSER)
    return etree.tostring(root, encoding="utf-8")


def sbd(
    payload: bytes,
    *,
    sender: str,
    recipient: str,
    document_type: str,
    process: str,
    instance_id: str,
    country: str,
) -> bytes:
    """The Standard Business Document (Peppol Business Message Envelope 2.0) around
    ``payload``."""
    namespace, name, version = document_parts(document_type)
    header = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<StandardBusinessDocument xmlns="{SH}">'
        "<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion>"
        f'<Sender><Identifier Authority="{PARTICIPANT_SCHEME}">{escape(sender)}</Identifier>'
        f'</Sender><Receiver><Identifier Authority="{PARTICIPANT_SCHEME}">{escape(recipient)}'
        "</Identifier></Receiver><DocumentIdentification>"
        f"<Standard>{escape(namespace)}</Standard><TypeVersion>{escape(version)}</TypeVersion>"
        f"<InstanceIdentifier>{escape(instance_id)}</InstanceIdentifier>"
        f"<Type>{escape(name)}</Type><CreationDateAndTime>{_now()}</CreationDateAndTime>"
        "</DocumentIdentification><BusinessScope>"
        f"<Scope><Type>DOCUMENTID</Type><InstanceIdentifier>{escape(document_type)}"
        f"</InstanceIdentifier><Identifier>{DOCUMENT_SCHEME}</Identifier></Scope>"
        f"<Scope><Type>PROCESSID</Type><InstanceIdentifier>{escape(process)}"
        f"</InstanceIdentifier><Identifier>{PROCESS_SCHEME}</Identifier></Scope>"
        f"<Scope><Type>COUNTRY_C1</Type><InstanceIdentifier>{escape(country)}"
        "</InstanceIdentifier></Scope></BusinessScope></StandardBusinessDocumentHeader>"
    )
    return header.encode() + _document_root(payload) + b"</StandardBusinessDocument>"


_SECURITY_OPEN = (
    f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" S12:mustUnderstand="true">'
    f'<wsse:BinarySecurityToken EncodingType="{BASE64_BINARY}" ValueType="{X509V3}" '
    'wsu:Id="{token_id}">{token}</wsse:BinarySecurityToken>'
)
_SIGNATURE = (
    f'<ds:Signature xmlns:ds="{DS}" Id="SIG-{{signature_id}}"><ds:SignedInfo/>'
    "<ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference>"
    f'<wsse:Reference URI="#{{token_id}}" ValueType="{X509V3}"/>'
    "</wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>"
)
_ENVELOPE_OPEN = f'<S12:Envelope xmlns:S12="{S12}"><S12:Header>'
_MESSAGING_OPEN = (
    f'<eb:Messaging xmlns:eb="{EB}" xmlns:wsu="{WSU}" wsu:Id="{{messaging_id}}" '
    'S12:mustUnderstand="true">'
)
_BODY = f'<S12:Body xmlns:wsu="{WSU}" wsu:Id="{{body_id}}"/>'


@dataclass
class Outgoing:
    """A built user message: what to POST, and what its receipt must acknowledge."""

    headers: dict[str, str]
    body: bytes
    message_id: str
    receiver_certificate: x509.Certificate
    signed: list[tuple[str, str]] = field(default_factory=list)
    """(URI, digest) of every reference the message's signature made."""


def build_message(
    *,
    signer: Identity,
    receiver_certificate: x509.Certificate,
    message_id: str,
    document: bytes,
    sender: str,
    recipient: str,
    document_type: str,
    process: str,
    conversation_id: str | None = None,
) -> Outgoing:
    """Compress, sign and encrypt ``document`` (an SBD) into a Peppol AS4 user message."""
    compressed = _gzip(document)
    cid = f"{uuid.uuid4()}@efactura"
    session_key = AESGCM.generate_key(bit_length=128)
    nonce = os.urandom(12)
    ciphertext = nonce + AESGCM(session_key).encrypt(nonce, compressed, None)
    receiver_key, receiver_token, receiver_party = _receiver(receiver_certificate)
    wrapped = receiver_key.encrypt(session_key, _OAEP_SHA256)
    token_id, receiver_token_id = f"X509-{uuid.uuid4()}", f"X509-{uuid.uuid4()}"
    key_id, data_id = f"EK-{uuid.uuid4()}", f"ED-{uuid.uuid4()}"
    messaging_id, body_id = f"as4-msg-{uuid.uuid4()}", f"body-{uuid.uuid4()}"
    e = escape
    envelope = (
        _ENVELOPE_OPEN
        + _SECURITY_OPEN.format(token_id=token_id, token=signer.token)
        + f'<wsse:BinarySecurityToken EncodingType="{BASE64_BINARY}" ValueType="{X509V3}" '
        f'wsu:Id="{receiver_token_id}">{receiver_token}</wsse:BinarySecurityToken>'
        f'<xenc:EncryptedKey xmlns:xenc="{XENC}" Id="{key_id}">'
        f'<xenc:EncryptionMethod Algorithm="{RSA_OAEP}">'
        f'<ds:DigestMethod xmlns:ds="{DS}" Algorithm="{SHA256}"/>'
        f'<xenc11:MGF xmlns:xenc11="{XENC11}" Algorithm="{MGF1_SHA256}"/>'
        f'</xenc:EncryptionMethod><ds:KeyInfo xmlns:ds="{DS}"><wsse:SecurityTokenReference>'
        f'<wsse:Reference URI="#{receiver_token_id}" ValueType="{X509V3}"/>'
        "</wsse:SecurityTokenReference></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{_b64(wrapped)}</xenc:CipherValue></xenc:CipherData>"
        f'<xenc:ReferenceList><xenc:DataReference URI="#{data_id}"/></xenc:ReferenceList>'
        "</xenc:EncryptedKey>"
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Id="{data_id}" '
        f'Type="{ATTACHMENT_CONTENT_ONLY}" MimeType="{GZIP}">'
        f'<xenc:EncryptionMethod Algorithm="{AES128_GCM}"/>'
        f'<ds:KeyInfo xmlns:ds="{DS}"><wsse:SecurityTokenReference xmlns:wsse11="{WSSE11}" '
        f'wsse11:TokenType="{ENCRYPTED_KEY_TYPE}"><wsse:Reference URI="#{key_id}"/>'
        "</wsse:SecurityTokenReference></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherReference URI={quoteattr('cid:' + cid)}>"
        f'<xenc:Transforms><ds:Transform xmlns:ds="{DS}" Algorithm="{ATTACHMENT_CIPHERTEXT}"/>'
        "</xenc:Transforms></xenc:CipherReference></xenc:CipherData></xenc:EncryptedData>"
        + _SIGNATURE.format(signature_id=uuid.uuid4(), token_id=token_id)
        + "</wsse:Security>"
        + _MESSAGING_OPEN.format(messaging_id=messaging_id)
        + "<eb:UserMessage><eb:MessageInfo>"
        f"<eb:Timestamp>{_now()}</eb:Timestamp><eb:MessageId>{e(message_id)}</eb:MessageId>"
        "</eb:MessageInfo><eb:PartyInfo>"
        f'<eb:From><eb:PartyId type="{PEPPOL_PARTY_TYPE}">{e(signer.party_id)}</eb:PartyId>'
        f"<eb:Role>{INITIATOR}</eb:Role></eb:From>"
        f'<eb:To><eb:PartyId type="{PEPPOL_PARTY_TYPE}">'
        f"{e(receiver_party)}</eb:PartyId>"
        f"<eb:Role>{RESPONDER}</eb:Role></eb:To></eb:PartyInfo>"
        f"<eb:CollaborationInfo><eb:AgreementRef>{AGREEMENT}</eb:AgreementRef>"
        f'<eb:Service type="{PROCESS_SCHEME}">{e(process)}</eb:Service>'
        f"<eb:Action>{DOCUMENT_SCHEME}::{e(document_type)}</eb:Action>"
        f"<eb:ConversationId>{e(conversation_id or str(uuid.uuid4()))}</eb:ConversationId>"
        "</eb:CollaborationInfo><eb:MessageProperties>"
        f'<eb:Property name="originalSender" type="{PARTICIPANT_SCHEME}">{e(sender)}</eb:Property>'
        f'<eb:Property name="finalRecipient" type="{PARTICIPANT_SCHEME}">{e(recipient)}'
        "</eb:Property></eb:MessageProperties>"
        f"<eb:PayloadInfo><eb:PartInfo href={quoteattr('cid:' + cid)}><eb:PartProperties>"
        '<eb:Property name="MimeType">application/xml</eb:Property>'
        f'<eb:Property name="CompressionType">{GZIP}</eb:Property>'
        "</eb:PartProperties></eb:PartInfo></eb:PayloadInfo></eb:UserMessage></eb:Messaging>"
        "</S12:Header>" + _BODY.format(body_id=body_id) + "</S12:Envelope>"
    )
    root = etree.fromstring(envelope.encode(), _PARSER)
    signed = _sign(
        root,
        signer,
        [messaging_id, body_id],
        [(cid, _b64(hashlib.sha256(compressed).digest()))],
    )
    content_type, body = build_related(etree.tostring(root), [(cid, ciphertext)])
    headers = {"Content-Type": content_type, "MIME-Version": "1.0", "User-Agent": USER_AGENT}
    return Outgoing(
        headers=headers,
        body=body,
        message_id=message_id,
        receiver_certificate=receiver_certificate,
        signed=signed,
    )


@functools.lru_cache(maxsize=64)
def _receiver(certificate: x509.Certificate) -> tuple[rsa.RSAPublicKey, str, str]:
    """(public key, BinarySecurityToken, party id) of a receiving AP's certificate."""
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("The receiving access point's certificate has no RSA key")
    token = _b64(certificate.public_bytes(serialization.Encoding.DER))
    return key, token, common_name(certificate)


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


@dataclass
class Signal:
    """A verified answer to our user message: a receipt, or ebMS errors."""

    errors: list[tuple[str, str, str]]
    """(code, short description, detail) of each error of severity failure."""

    @property
    def successful(self) -> bool:
        return not self.errors

    @property
    def description(self) -> str:
        return "; ".join(f"{c} {s}: {d}".strip(" :") for c, s, d in self.errors)


def check_signal(outgoing: Outgoing, answer: bytes) -> Signal:
    """Verify the signal answering ``outgoing``: signed by the AP we encrypted for, covering
    its eb:Messaging, referring to our MessageId and, for a receipt, acknowledging exactly
    the references we signed.  Raises :class:`ReceiptError`."""
    try:
        root = etree.fromstring(answer, _PARSER)
    except etree.XMLSyntaxError:
        raise ReceiptError("The answer is not an XML SOAP envelope") from None
    security = root.find("S12:Header/wsse:Security", _NS)
    messaging = root.find("S12:Header/eb:Messaging", _NS)
    if security is None or messaging is None:
        raise ReceiptError("The answer has no WS-Security header or no eb:Messaging")
    signal = messaging.find("eb:SignalMessage", _NS)
    if signal is None:
        raise ReceiptError("The answer carries no ebMS signal")
    expected = outgoing.receiver_certificate

    def resolve(embedded: x509.Certificate) -> x509.Certificate:
        if embedded != expected:
            raise _authentication(
                f"signed by {embedded.subject.rfc4514_string()}, "
                f"not {expected.subject.rfc4514_string()}"
            )
        return expected

    try:
        ids = _ids(root)
        checked = _check_signature(root, security, resolve, ids)
    except AS4Error as exc:
        raise ReceiptError(f"The signal's signature is not valid: {exc.detail}") from None
    messaging_id = messaging.get(_WSU_ID)
    if not any(r.get("URI") == f"#{messaging_id}" for r in checked.references):
        raise ReceiptError("The signal's signature does not cover eb:Messaging")
    if checked.attachment_digests:
        raise ReceiptError("The signal signs attachments it does not carry")
    reference = signal.findtext("eb:MessageInfo/eb:RefToMessageId", namespaces=_NS)
    if (reference or "").strip() != outgoing.message_id:
        raise ReceiptError(f"The signal refers to {reference!r}, not to {outgoing.message_id!r}")
    errors = [
        (
            error.get("errorCode", ""),
            error.get("shortDescription", ""),
            (error.findtext("eb:ErrorDetail", namespaces=_NS) or "").strip(),
        )
        for error in signal.iterfind("eb:Error", _NS)
        if error.get("severity", "failure").lower() != "warning"
    ]
    if errors:
        return Signal(errors=errors)
    if signal.find("eb:Receipt", _NS) is None:
        raise ReceiptError("The signal is neither a receipt nor an error")
    acknowledged = {
        (
            reference.get("URI", ""),
            (reference.findtext("ds:DigestValue", namespaces=_NS) or "").strip(),
        )
        for reference in signal.iterfind(
            "eb:Receipt/ebbp:NonRepudiationInformation/ebbp:MessagePartNRInformation/ds:Reference",
            _NS,
        )
    }
    if acknowledged != set(outgoing.signed):
        raise ReceiptError("The receipt does not acknowledge exactly what was signed")
    return Signal(errors=[])


# ---------------------------------------------------------------------------------------------
# Receiving
# ---------------------------------------------------------------------------------------------


@dataclass
class Received:
    """A received user message: what it says and, when it is refused, why."""

    message_id: str = ""
    messaging_id: str = ""
    party_from: str = ""
    sender: str = ""
    recipient: str = ""
    document_type: str = ""
    process: str = ""
    instance_id: str = ""
    document: bytes = b""
    """The SBD (decrypted, decompressed)."""
    certificate: x509.Certificate | None = None
    references: list[etree._Element] = field(default_factory=list)
    error: AS4Error | None = None


def receive(
    content_type: str,
    body: bytes,
    *,
    recipient_identity: Identity,
    resolve_signer: Callable[[str, x509.Certificate], x509.Certificate],
    accept_participant: Callable[[str], None] | None = None,
    maximum_size: int = 100 * 1024 * 1024,
) -> Received:
    """Unpack, verify, decrypt and decompress one Peppol AS4 user message.

    ``resolve_signer(party_id, certificate)`` returns the certificate to verify with or raises
    :class:`UntrustedSigner`; ``accept_participant(recipient)`` raises :class:`NotServiced`.
    Never raises: a refused message has ``error`` set (answer it with :func:`error_signal`)."""
    received = Received()
    try:
        _receive(
            received,
            content_type,
            body,
            recipient_identity,
            resolve_signer,
            accept_participant,
            maximum_size,
        )
    except AS4Error as exc:
        received.error = exc
    return received


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path, namespaces=_NS) or "").strip()


def _receive(
    received: Received,
    content_type: str,
    body: bytes,
    own: Identity,
    resolve_signer: Callable[[str, x509.Certificate], x509.Certificate],
    accept_participant: Callable[[str], None] | None,
    maximum_size: int,
) -> None:
    soap, attachments = split_related(content_type, body)
    try:
        root = etree.fromstring(soap, _PARSER)
    except etree.XMLSyntaxError:
        raise _invalid_header("The SOAP part is not well-formed XML") from None
    if root.tag != f"{{{S12}}}Envelope":
        raise _invalid_header("The SOAP part is not a SOAP 1.2 envelope")
    messaging = root.find("S12:Header/eb:Messaging", _NS)
    user = messaging.find("eb:UserMessage", _NS) if messaging is not None else None
    if messaging is None or user is None:
        raise _invalid_header("The message has no eb:Messaging/eb:UserMessage header")
    received.message_id = _text(user, "eb:MessageInfo/eb:MessageId")
    received.messaging_id = messaging.get(_WSU_ID, "")
    if not received.message_id or not received.messaging_id:
        raise _invalid_header("The message has no MessageId or its eb:Messaging no wsu:Id")
    party_from = user.find("eb:PartyInfo/eb:From/eb:PartyId", _NS)
    party_to = _text(user, "eb:PartyInfo/eb:To/eb:PartyId")
    if party_from is None or not (party_from.text or "").strip() or not party_to:
        raise _invalid_header("The message names no sending or receiving access point")
    received.party_from = (party_from.text or "").strip()
    if party_to != own.party_id:
        raise _inconsistent(f"The message is addressed to {party_to}, not to {own.party_id}")
    properties = {
        p.get("name", ""): (p.text or "").strip()
        for p in user.iterfind("eb:MessageProperties/eb:Property", _NS)
    }
    parts = user.findall("eb:PayloadInfo/eb:PartInfo", _NS)
    hrefs = [part.get("href", "") for part in parts]
    if not parts or any(not href.startswith("cid:") for href in hrefs):
        raise _invalid_header("The payload must be MIME attachments named by cid: PartInfo")
    for href in hrefs:
        if href[4:] not in attachments:
            raise _mime(f"No MIME part carries {href}")

    security = root.find("S12:Header/wsse:Security", _NS)
    if security is None:
        raise _policy("The message has no WS-Security header")
    ids = _ids(root)

    def resolve(embedded: x509.Certificate) -> x509.Certificate:
        try:
            return resolve_signer(received.party_from, embedded)
        except UntrustedSigner as exc:
            raise _authentication(str(exc)) from None

    checked = _check_signature(root, security, resolve, ids)
    received.certificate = checked.certificate
    received.references = checked.references
    signed_uris = {r.get("URI", "") for r in checked.references}
    soap_body = root.find("S12:Body", _NS)
    body_id = soap_body.get(_WSU_ID, "") if soap_body is not None else ""
    if f"#{received.messaging_id}" not in signed_uris:
        raise _policy("The signature does not cover eb:Messaging")
    if not body_id or f"#{body_id}" not in signed_uris:
        raise _policy("The signature does not cover the SOAP Body")
    for href in hrefs:
        if href not in signed_uris:
            raise _policy(f"The signature does not cover {href}")

    decrypted = _decrypt(security, attachments, own)
    contents: list[bytes] = []
    for part, href in zip(parts, hrefs, strict=True):
        cid = href[4:]
        content = decrypted.get(cid)
        if content is None:
            raise _policy(f"The attachment {href} is not encrypted")
        algorithm, expected = checked.attachment_digests[cid]
        if _hash(algorithm, content) != expected:
            raise _authentication(f"The digest of {href} does not match")
        part_properties = {
            p.get("name", ""): (p.text or "").strip()
            for p in part.iterfind("eb:PartProperties/eb:Property", _NS)
        }
        compression = part_properties.get("CompressionType", "")
        if compression == GZIP:
            content = _gunzip(content, maximum_size)
        elif compression:
            raise AS4Error(
                "EBMS:0303", "DecompressionFailure", compression, category="Communication"
            )
        contents.append(content)
    received.document = contents[0]
    _read_sbdh(received, properties)
    if accept_participant is not None:
        try:
            accept_participant(received.recipient)
        except NotServiced:
            raise not_serviced() from None


def _decrypt(
    security: etree._Element, attachments: dict[str, bytes], own: Identity
) -> dict[str, bytes]:
    decrypted: dict[str, bytes] = {}
    for encrypted_key in security.iterfind("xenc:EncryptedKey", _NS):
        method = encrypted_key.find("xenc:EncryptionMethod", _NS)
        if method is None or method.get("Algorithm") != RSA_OAEP:
            raise _decryption("The key transport algorithm is not RSA-OAEP (xmlenc11)")
        digest = method.find("ds:DigestMethod", _NS)
        mgf = method.find("xenc11:MGF", _NS)
        # The Peppol profile: RSA-OAEP with SHA-256 as both digest and MGF1 hash, declared.
        if (
            digest is None
            or digest.get("Algorithm") != SHA256
            or mgf is None
            or mgf.get("Algorithm") != MGF1_SHA256
        ):
            raise _decryption("The key transport must be RSA-OAEP with SHA-256 and MGF1-SHA-256")
        try:
            session_key = own.key.decrypt(
                base64.b64decode(_text(encrypted_key, "xenc:CipherData/xenc:CipherValue")),
                _OAEP_SHA256,
            )
        except ValueError:
            raise _decryption("The session key cannot be decrypted with this AP's key") from None
        for data_reference in encrypted_key.iterfind("xenc:ReferenceList/xenc:DataReference", _NS):
            data_id = data_reference.get("URI", "").removeprefix("#")
            encrypted_data = next(
                (d for d in security.iterfind("xenc:EncryptedData", _NS) if d.get("Id") == data_id),
                None,
            )
            if encrypted_data is None:
                raise _decryption(f"No EncryptedData {data_id}")
            algorithm = encrypted_data.find("xenc:EncryptionMethod", _NS)
            if algorithm is None or algorithm.get("Algorithm") != AES128_GCM:
                raise _decryption("The payload is not AES-128-GCM encrypted")
            cipher = encrypted_data.find("xenc:CipherData/xenc:CipherReference", _NS)
            uri = cipher.get("URI", "") if cipher is not None else ""
            if not uri.startswith("cid:") or uri[4:] not in attachments:
                raise _decryption(f"The encrypted attachment {uri} is not in the message")
            data = attachments[uri[4:]]
            try:
                decrypted[uri[4:]] = AESGCM(session_key).decrypt(data[:12], data[12:], None)
            except (InvalidTag, ValueError):
                raise _decryption(f"The attachment {uri} does not decrypt") from None
    return decrypted


def _gunzip(data: bytes, maximum_size: int) -> bytes:
    decompressor = zlib.decompressobj(31)
    try:
        out = decompressor.decompress(data, maximum_size + 1)
    except zlib.error:
        raise AS4Error(
            "EBMS:0303", "DecompressionFailure", "not gzip", category="Communication"
        ) from None
    if len(out) > maximum_size or not decompressor.eof:
        raise AS4Error(
            "EBMS:0303", "DecompressionFailure", "too large or truncated", category="Communication"
        )
    return out


def _sbdh_error(detail: str) -> AS4Error:
    return AS4Error("EBMS:0004", "Other", detail, category="Content")


def _read_sbdh(received: Received, properties: dict[str, str]) -> None:
    try:
        document = etree.fromstring(received.document, _PARSER)
    except etree.XMLSyntaxError:
        raise _sbdh_error("The first attachment is not well-formed XML") from None
    header = document.find("sh:StandardBusinessDocumentHeader", _NS)
    if document.tag != f"{{{SH}}}StandardBusinessDocument" or header is None:
        raise _sbdh_error("The first attachment is not a Standard Business Document")
    received.sender = _text(header, "sh:Sender/sh:Identifier")
    received.recipient = _text(header, "sh:Receiver/sh:Identifier")
    received.instance_id = _text(header, "sh:DocumentIdentification/sh:InstanceIdentifier")
    if not received.sender or not received.recipient:
        raise _sbdh_error("The SBDH names no sender or no receiver")
    for name, value in (
        ("originalSender", received.sender),
        ("finalRecipient", received.recipient),
    ):
        declared = properties.get(name)
        if declared is not None and declared.lower() != value.lower():
            raise _sbdh_error(
                f"The SBDH names {value!r} where the {name} property names {declared!r}"
            )
    scopes = {
        _text(scope, "sh:Type"): _text(scope, "sh:InstanceIdentifier")
        for scope in header.iterfind("sh:BusinessScope/sh:Scope", _NS)
    }
    missing = {"DOCUMENTID", "PROCESSID", "COUNTRY_C1"} - set(scopes)
    if missing:
        raise _sbdh_error(f"The SBDH lacks the scopes {', '.join(sorted(missing))}")
    received.document_type = scopes["DOCUMENTID"]
    received.process = scopes["PROCESSID"]


# ---------------------------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------------------------


def _signal(signer: Identity, ref_to: str, content: str, nri: list[etree._Element]) -> bytes:
    messaging_id, body_id = f"as4-msg-{uuid.uuid4()}", f"body-{uuid.uuid4()}"
    token_id = f"X509-{uuid.uuid4()}"
    reference = f"<eb:RefToMessageId>{escape(ref_to)}</eb:RefToMessageId>" if ref_to else ""
    envelope = (
        _ENVELOPE_OPEN
        + _SECURITY_OPEN.format(token_id=token_id, token=signer.token)
        + _SIGNATURE.format(signature_id=uuid.uuid4(), token_id=token_id)
        + "</wsse:Security>"
        + _MESSAGING_OPEN.format(messaging_id=messaging_id)
        + f"<eb:SignalMessage><eb:MessageInfo><eb:Timestamp>{_now()}</eb:Timestamp>"
        f"<eb:MessageId>{uuid.uuid4()}@efactura</eb:MessageId>{reference}</eb:MessageInfo>"
        + content
        + "</eb:SignalMessage></eb:Messaging></S12:Header>"
        + _BODY.format(body_id=body_id)
        + "</S12:Envelope>"
    )
    root = etree.fromstring(envelope.encode(), _PARSER)
    if nri:
        information = root.find(".//ebbp:NonRepudiationInformation", _NS)
        assert information is not None
        for original in nri:
            part = etree.SubElement(information, f"{{{EBBP}}}MessagePartNRInformation")
            part.append(_copy(original))
    _sign(root, signer, [messaging_id, body_id], [])
    return etree.tostring(root)


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element), _PARSER)


def receipt(received: Received, signer: Identity) -> bytes:
    """The signed receipt of ``received`` with its non-repudiation information."""
    return _signal(
        signer,
        received.message_id,
        f'<eb:Receipt><ebbp:NonRepudiationInformation xmlns:ebbp="{EBBP}"/></eb:Receipt>',
        received.references,
    )


def error_signal(error: AS4Error, signer: Identity, *, ref_to: str = "") -> bytes:
    """A signed ebMS error signal."""
    ref = f" refToMessageInError={quoteattr(ref_to)}" if ref_to else ""
    description = (
        f'<eb:Description xml:lang="en">{escape(error.description)}</eb:Description>'
        if error.description
        else ""
    )
    detail = f"<eb:ErrorDetail>{escape(error.detail)}</eb:ErrorDetail>" if error.detail else ""
    content = (
        f"<eb:Error category={quoteattr(error.category)}{ref} errorCode={quoteattr(error.code)}"
        f" severity={quoteattr(error.severity)} shortDescription={quoteattr(error.short)}>"
        f"{description}{detail}</eb:Error>"
    )
    return _signal(signer, ref_to, content, [])
