"""Verify the XAdES signature of a Facturae file and explain the result.

:func:`verify` answers three questions a bookkeeper (and an auditor) asks:

1. *Is the file intact and really signed by this certificate?*  libxmlsec1 checks every
   reference digest and the RSA signature value.  It only says pass/fail, so when it fails we
   recompute each reference ourselves (lxml C14N per transform) and check the signature value
   with ``cryptography`` to name **what** failed: the invoice content, the signed properties,
   the key info, or the signature value itself.
2. *Is it a Facturae-policy signature?*  XAdES-EPES with the Facturae v3.1 policy identifier
   and policy digest, signed properties covered by the signature, signing certificate digest
   matching the certificate shown, a claimed role.
3. *Who signed, and is that the seller?*  The certificate's subject, issuer, serial, validity
   at signing time, and the tax ID it carries compared with the invoice's seller (or the
   third party that issued it on the seller's behalf).  A mismatch is a warning: a
   representative or an invoicing service may sign legitimately, but the user must see it.

The trust chain up to a qualified certification authority is **not** checked here (that needs
the EU trusted lists and revocation data); the report says so.

Security: references may only point inside the document (``""``, ``#id``, ``#xpointer(…)``);
anything else is refused *before* libxmlsec sees it, because libxmlsec would otherwise read
files or URLs named by a stranger.  Duplicate ``Id`` values are refused (signature wrapping).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Final

import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from einvoice import xml as _xml
from einvoice.errors import Layer, Severity, Violation
from einvoice.signing.certs import CertificateInfo, certificate_info, normalise_tax_id
from einvoice.signing.xades import (
    C14N,
    DIGEST_URIS,
    DS_NS,
    ENVELOPED,
    POLICY_DIGEST_SHA1,
    POLICY_IDENTIFIER,
    ROLES,
    SIGNATURE_URIS,
    is_facturae,
)
from einvoice.xml import parse_bytes

XADES_NAMESPACES: Final = (
    "http://uri.etsi.org/01903/v1.3.2#",
    "http://uri.etsi.org/01903/v1.2.2#",
    "http://uri.etsi.org/01903/v1.1.1#",
)
"""XAdES namespaces we read (1.3.2 is written; the older ones appear on old Facturae files)."""

C14N_WITH_COMMENTS: Final = C14N + "#WithComments"
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_WITH_COMMENTS: Final = EXC_C14N + "WithComments"
_C14N_METHODS: Final = {
    C14N: (False, False),
    C14N_WITH_COMMENTS: (False, True),
    EXC_C14N: (True, False),
    EXC_C14N_WITH_COMMENTS: (True, True),
}
"""Canonicalisation URI -> (exclusive, with comments)."""

_DIGEST_BY_URI: Final = {uri: name for name, uri in DIGEST_URIS.items()}
_HASH_BY_SIGNATURE_URI: Final = {uri: name for name, uri in SIGNATURE_URIS.items()}
_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_XMLSEC_REFERENCE_TRANSFORMS: Final = (
    xmlsec.constants.TransformEnveloped,
    xmlsec.constants.TransformInclC14N,
    xmlsec.constants.TransformInclC14NWithComments,
    xmlsec.constants.TransformExclC14N,
    xmlsec.constants.TransformExclC14NWithComments,
    xmlsec.constants.TransformXPointer,
    xmlsec.constants.TransformSha1,
    xmlsec.constants.TransformSha224,
    xmlsec.constants.TransformSha256,
    xmlsec.constants.TransformSha384,
    xmlsec.constants.TransformSha512,
)
_XPOINTER_ID: Final = re.compile(r"""^#xpointer\(id\(['"]([^'"]+)['"]\)\)$""")
_NS: Final = {"ds": DS_NS}
_ID_VALUES: Final = etree.XPath("//@Id")
"""Every ``Id`` attribute, in document order, as strings that know their element
(``getparent()``).  Compiled once; selecting the attributes takes 40 % of the time of
selecting the elements that carry one (``//*[@Id]``), and walking the tree in Python to look
at each element's attributes took longer than libxmlsec's checks."""


class SignatureStatus(StrEnum):
    """Overall verdict on a file."""

    VALID = "valid"
    """Signed, intact, and a well-formed Facturae-policy XAdES-EPES signature."""
    INVALID = "invalid"
    """Signed, but altered, malformed, unsupported, or not a Facturae-policy signature."""
    UNSIGNED = "unsigned"
    """No XML signature at all."""


class ReferenceTarget(StrEnum):
    """What a signed reference covers, in the reader's terms."""

    DOCUMENT = "document"
    SIGNED_PROPERTIES = "signed-properties"
    KEY_INFO = "key-info"
    OTHER = "other"


_TARGET_TEXT: Final = {
    ReferenceTarget.DOCUMENT: ("the invoice content", "el contenido de la factura"),
    ReferenceTarget.SIGNED_PROPERTIES: (
        "the signed properties (signing time, certificate, policy, role)",
        "las propiedades firmadas (hora de firma, certificado, política, rol)",
    ),
    ReferenceTarget.KEY_INFO: (
        "the certificate information (KeyInfo)",
        "la información del certificado (KeyInfo)",
    ),
    ReferenceTarget.OTHER: ("a signed element", "un elemento firmado"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceCheck:
    """One ``ds:Reference`` of the signature and whether its digest still matches."""

    uri: str | None
    """The ``URI`` attribute (``None`` when absent, which Facturae signers use for the document)."""
    target: ReferenceTarget
    type: str = ""
    transforms: tuple[str, ...] = ()
    digest_algorithm: str = ""
    ok: bool | None = None
    """True: digest matches; False: the covered data changed; None: not checked."""

    def as_dict(self) -> dict[str, object]:
        return {
            "uri": self.uri,
            "target": str(self.target),
            "type": self.type,
            "transforms": list(self.transforms),
            "digest_algorithm": self.digest_algorithm,
            "ok": self.ok,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationReport:
    """Everything :func:`verify` found out; ``findings`` carry bilingual sentences."""

    status: SignatureStatus
    findings: tuple[Violation, ...] = ()
    signature_id: str = ""
    signature_method: str = ""
    signature_value_ok: bool | None = None
    references: tuple[ReferenceCheck, ...] = ()
    signer: CertificateInfo | None = None
    chain_length: int = 0
    """Certificates shown in KeyInfo (signer included)."""
    signing_time: dt.datetime | None = None
    certificate_valid_at_signing: bool | None = None
    policy_identifier: str = ""
    policy_ok: bool = False
    """The Facturae v3.1 policy identifier is present."""
    policy_digest_ok: bool | None = None
    """The policy digest matches the published one (None: algorithm we hold no digest for)."""
    signer_role: str = ""
    expected_tax_ids: tuple[str, ...] = ()
    """Tax IDs allowed to sign this invoice: seller, or the third party issuing for it."""
    signer_matches_invoice: bool | None = None
    trust_chain_checked: bool = False
    """Always False: qualified-CA trust and revocation are checked elsewhere, not here."""

    @property
    def is_valid(self) -> bool:
        return self.status is SignatureStatus.VALID

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(f for f in self.findings if f.is_fatal)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def failed_references(self) -> tuple[ReferenceCheck, ...]:
        return tuple(r for r in self.references if r.ok is False)

    def reason(self, language: str = "en") -> str:
        """One sentence: the first error, or the verdict when there is none."""
        if self.errors:
            return self.errors[0].text(language)
        if self.status is SignatureStatus.UNSIGNED:
            return self.findings[0].text(language) if self.findings else "unsigned"
        spanish = language.startswith("es")
        who = self.signer.common_name if self.signer else ""
        if spanish:
            return f"Firma válida de {who}." if who else "Firma válida."
        return f"Valid signature by {who}." if who else "Valid signature."

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (datetimes as ISO 8601 strings)."""
        return {
            "status": str(self.status),
            "reason": self.reason("en"),
            "reason_es": self.reason("es"),
            "signature_id": self.signature_id,
            "signature_method": self.signature_method,
            "signature_value_ok": self.signature_value_ok,
            "references": [r.as_dict() for r in self.references],
            "signer": self.signer.as_dict() if self.signer else None,
            "chain_length": self.chain_length,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "certificate_valid_at_signing": self.certificate_valid_at_signing,
            "policy_identifier": self.policy_identifier,
            "policy_ok": self.policy_ok,
            "policy_digest_ok": self.policy_digest_ok,
            "signer_role": self.signer_role,
            "expected_tax_ids": list(self.expected_tax_ids),
            "signer_matches_invoice": self.signer_matches_invoice,
            "trust_chain_checked": self.trust_chain_checked,
            "findings": [f.as_dict() for f in self.findings],
        }


def _ds(tag: str) -> str:
    return f"{{{DS_NS}}}{tag}"


_DS_TRANSFORMS: Final = _ds("Transforms")
_DS_TRANSFORM: Final = _ds("Transform")
_DS_DIGEST_METHOD: Final = _ds("DigestMethod")
_DS_DIGEST_VALUE: Final = _ds("DigestValue")


@dataclass(slots=True)
class _Reference:
    element: etree._Element
    uri: str | None
    type: str
    transforms: list[etree._Element]
    digest_name: str
    digest_uri: str
    digest_value: str
    target: ReferenceTarget = ReferenceTarget.OTHER
    target_element: etree._Element | None = None


@dataclass(slots=True)
class _Verifier:
    """Accumulates findings and facts while checking one signature."""

    xml: bytes
    tree: etree._ElementTree
    signature: etree._Element
    at: dt.datetime
    findings: list[Violation] = field(default_factory=list)
    references: list[_Reference] = field(default_factory=list)
    ids: dict[str, etree._Element] = field(default_factory=dict)
    certificates: list[x509.Certificate] = field(default_factory=list)
    signer: x509.Certificate | None = None
    signed_properties: etree._Element | None = None
    xades_ns: str = ""
    signature_hash: str = ""
    c14n_method: str = C14N

    # --- findings -------------------------------------------------------------------------

    def error(self, rule: str, en: str, es: str, location: str = "") -> None:
        self.findings.append(
            Violation(
                rule=rule, message=en, message_es=es, layer=Layer.SIGNATURE, location=location
            )
        )

    def warn(self, rule: str, en: str, es: str, location: str = "") -> None:
        self.findings.append(
            Violation(
                rule=rule,
                message=en,
                message_es=es,
                severity=Severity.WARNING,
                layer=Layer.SIGNATURE,
                location=location,
            )
        )

    @property
    def has_errors(self) -> bool:
        return any(f.is_fatal for f in self.findings)

    # --- structure ------------------------------------------------------------------------

    def read_structure(self) -> None:
        sig = self.signature
        root = self.tree.getroot()
        if sig.getparent() is not root:
            self.warn(
                "SIG-PLACEMENT",
                "The signature is not a direct child of the document root, where Facturae "
                "places it.",
                "La firma no es hija directa de la raíz del documento, donde la sitúa Facturae.",
            )
        found: object = _ID_VALUES(root)
        for attribute in found if isinstance(found, list) else ():
            element = attribute.getparent()
            assert isinstance(element, etree._Element)
            value = str(attribute)
            if value in self.ids:
                self.error(
                    "SIG-DUPLICATE-ID",
                    f"The identifier {value!r} appears twice in the document; such a file can "
                    "show different content from what was signed, so it is refused.",
                    f"El identificador {value!r} aparece dos veces en el documento; un fichero "
                    "así puede mostrar un contenido distinto del firmado y se rechaza.",
                    location=value,
                )
            self.ids[value] = element
        signed_info = _xml.find(sig, _ds("SignedInfo"))
        if signed_info is None:
            self.error(
                "SIG-STRUCTURE",
                "The signature has no SignedInfo element.",
                "La firma no tiene elemento SignedInfo.",
            )
            return
        c14n = _xml.find(signed_info, _ds("CanonicalizationMethod"))
        method = c14n.get("Algorithm", "") if c14n is not None else ""
        if method not in _C14N_METHODS:
            self.error(
                "SIG-ALGORITHM",
                f"Unsupported canonicalisation method {method or '(none)'}.",
                f"Método de canonicalización no admitido: {method or '(ninguno)'}.",
            )
        self.c14n_method = method
        sm = _xml.find(signed_info, _ds("SignatureMethod"))
        sig_uri = sm.get("Algorithm", "") if sm is not None else ""
        self.signature_hash = _HASH_BY_SIGNATURE_URI.get(sig_uri, "")
        if not self.signature_hash:
            self.error(
                "SIG-ALGORITHM",
                f"Unsupported signature method {sig_uri or '(none)'}; Facturae signatures use "
                "RSA with SHA-1, SHA-256 or SHA-512.",
                f"Método de firma no admitido: {sig_uri or '(ninguno)'}; las firmas Facturae "
                "usan RSA con SHA-1, SHA-256 o SHA-512.",
            )
        elif self.signature_hash == "sha1":
            self.warn(
                "SIG-SHA1",
                "The signature uses RSA with SHA-1, which is deprecated; new signatures should "
                "use SHA-256 or stronger.",
                "La firma usa RSA con SHA-1, que está obsoleto; las firmas nuevas deben usar "
                "SHA-256 o superior.",
            )
        for ref in _xml.findall(signed_info, _ds("Reference")):
            self.read_reference(ref)
        if not self.references:
            self.error(
                "SIG-STRUCTURE",
                "The signature has no references: it signs nothing.",
                "La firma no tiene referencias: no firma nada.",
            )

    def read_reference(self, ref: etree._Element) -> None:
        uri = ref.get("URI")
        location = uri if uri is not None else "(no URI)"
        # One pass over the reference's children: every Transforms/Transform, and the first
        # DigestMethod and DigestValue (what findall/find would give).
        transforms: list[etree._Element] = []
        dm = dv = None
        for child in ref.iterchildren(_DS_TRANSFORMS, _DS_DIGEST_METHOD, _DS_DIGEST_VALUE):
            if child.tag == _DS_TRANSFORMS:
                transforms.extend(child.iterchildren(_DS_TRANSFORM))
            elif child.tag == _DS_DIGEST_METHOD:
                dm = child if dm is None else dm
            elif dv is None:
                dv = child
        digest_uri = dm.get("Algorithm", "") if dm is not None else ""
        item = _Reference(
            element=ref,
            uri=uri,
            type=ref.get("Type", ""),
            transforms=transforms,
            digest_name=_DIGEST_BY_URI.get(digest_uri, ""),
            digest_uri=digest_uri,
            digest_value="".join((dv.text or "").split()) if dv is not None else "",
        )
        self.references.append(item)
        if not item.digest_name:
            self.error(
                "SIG-ALGORITHM",
                f"Reference {location}: unsupported digest method {digest_uri or '(none)'}.",
                f"Referencia {location}: método de resumen no admitido "
                f"{digest_uri or '(ninguno)'}.",
                location=location,
            )
        for transform in transforms:
            algorithm = transform.get("Algorithm", "")
            if algorithm != ENVELOPED and algorithm not in _C14N_METHODS:
                self.error(
                    "SIG-ALGORITHM",
                    f"Reference {location}: unsupported transform {algorithm or '(none)'}.",
                    f"Referencia {location}: transformación no admitida "
                    f"{algorithm or '(ninguna)'}.",
                    location=location,
                )
        enveloped = any(t.get("Algorithm") == ENVELOPED for t in transforms)
        if uri is None or uri == "" or uri == "#xpointer(/)":
            item.target = ReferenceTarget.DOCUMENT if enveloped else ReferenceTarget.OTHER
            item.target_element = self.tree.getroot()
            return
        match = _XPOINTER_ID.match(uri)
        ident = match.group(1) if match else (uri[1:] if uri.startswith("#") else None)
        if ident is None:
            # Never let libxmlsec dereference this: it would open a file or a URL.
            self.error(
                "SIG-REF-EXTERNAL",
                f"Reference {uri!r} points outside the document; only references inside the "
                "invoice file are accepted.",
                f"La referencia {uri!r} apunta fuera del documento; solo se aceptan "
                "referencias dentro del fichero de la factura.",
                location=location,
            )
            return
        element = self.ids.get(ident)
        if element is None:
            self.error(
                "SIG-REF-MISSING",
                f"Reference {uri} points to an element that does not exist.",
                f"La referencia {uri} apunta a un elemento que no existe.",
                location=location,
            )
            return
        item.target_element = element
        qname = etree.QName(element)
        if qname.localname == "SignedProperties" and qname.namespace in XADES_NAMESPACES:
            item.target = ReferenceTarget.SIGNED_PROPERTIES
        elif qname.localname == "KeyInfo" and qname.namespace == DS_NS:
            item.target = ReferenceTarget.KEY_INFO
        elif element is self.tree.getroot():
            item.target = ReferenceTarget.DOCUMENT

    def check_coverage(self) -> None:
        if not any(r.target is ReferenceTarget.DOCUMENT for r in self.references):
            self.error(
                "SIG-NO-DOCUMENT",
                "The signature does not cover the invoice itself (no reference to the whole "
                "document with the enveloped-signature transform).",
                "La firma no cubre la propia factura (no hay referencia al documento completo "
                "con la transformación de firma envuelta).",
            )
        signed = [r for r in self.references if r.target is ReferenceTarget.SIGNED_PROPERTIES]
        if signed:
            self.signed_properties = signed[0].target_element
            assert self.signed_properties is not None
            self.xades_ns = etree.QName(self.signed_properties).namespace or ""
            qualifying = self.signed_properties.getparent()
            target = qualifying.get("Target", "") if qualifying is not None else ""
            if target != f"#{self.signature.get('Id', '')}":
                # XAdES 1.3.2 §6.2: QualifyingProperties/@Target names its signature; a
                # mismatch means the properties were lifted from another signature.
                self.error(
                    "SIG-XADES-TARGET",
                    "The XAdES properties do not belong to this signature (their Target "
                    "does not name it).",
                    "Las propiedades XAdES no pertenecen a esta firma (su Target no la "
                    "identifica).",
                )
        else:
            for ns in XADES_NAMESPACES:
                found = _xml.find(self.signature, f".//{{{ns}}}SignedProperties")
                if found is not None:
                    self.signed_properties = found
                    self.xades_ns = ns
                    break
            self.error(
                "SIG-NOT-XADES",
                "The signature does not sign XAdES SignedProperties, so its signing time, "
                "certificate and policy are not protected; it is not a Facturae (XAdES-EPES) "
                "signature.",
                "La firma no firma las SignedProperties de XAdES, así que la hora de firma, el "
                "certificado y la política no están protegidos; no es una firma Facturae "
                "(XAdES-EPES).",
            )

    # --- certificates ---------------------------------------------------------------------

    def read_certificates(self) -> None:
        key_info = _xml.find(self.signature, _ds("KeyInfo"))
        nodes = (
            _xml.findall(key_info, f"{_ds('X509Data')}/{_ds('X509Certificate')}")
            if (key_info is not None)
            else []
        )
        for node in nodes:
            try:
                der = base64.b64decode("".join((node.text or "").split()), validate=True)
                self.certificates.append(_certificate_from_der(der))
            except (
                binascii.Error,
                ValueError,
                TypeError,
                UnsupportedAlgorithm,
                x509.InvalidVersion,
            ):
                self.error(
                    "SIG-CERT-UNREADABLE",
                    "A certificate in the signature cannot be read.",
                    "Un certificado de la firma no se puede leer.",
                )
        if not self.certificates:
            self.error(
                "SIG-NO-CERT",
                "The signature does not include the signer's certificate (X509Data in "
                "KeyInfo), so it cannot be verified.",
                "La firma no incluye el certificado del firmante (X509Data en KeyInfo), así "
                "que no se puede verificar.",
            )
            return
        self.signer = self.certificates[0]
        declared = self._xades_find("SignedSignatureProperties/SigningCertificate/Cert")
        if declared is None:
            if self.signed_properties is not None:
                self.error(
                    "SIG-SIGNING-CERT",
                    "The signed properties do not name the signing certificate.",
                    "Las propiedades firmadas no identifican el certificado firmante.",
                )
        else:
            self._match_signing_certificate(declared)
        public = self.signer.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            self.error(
                "SIG-ALGORITHM",
                "The signer's key is not RSA; Facturae signatures use RSA.",
                "La clave del firmante no es RSA; las firmas Facturae usan RSA.",
            )

    def _match_signing_certificate(self, declared: etree._Element) -> None:
        digest_method, digest_value, serial_number = _cert_paths(self.xades_ns)
        dm = _xml.find(declared, digest_method)
        dv = _xml.find(declared, digest_value)
        name = _DIGEST_BY_URI.get(dm.get("Algorithm", "") if dm is not None else "", "")
        expected = "".join((dv.text or "").split()) if dv is not None else ""
        match = None
        if name:
            for cert in self.certificates:
                if _certificate_digest(cert, name) == expected:
                    match = cert
                    break
        if match is None:
            self.error(
                "SIG-SIGNING-CERT",
                "The certificate named in the signed properties is not the certificate "
                "included in the signature.",
                "El certificado indicado en las propiedades firmadas no es el certificado "
                "incluido en la firma.",
            )
            return
        self.signer = match
        serial = _xml.find(declared, serial_number)
        if serial is not None and (serial.text or "").strip() != str(match.serial_number):
            self.error(
                "SIG-SIGNING-CERT",
                "The certificate serial number in the signed properties does not match the "
                "signer's certificate.",
                "El número de serie del certificado en las propiedades firmadas no coincide "
                "con el del certificado firmante.",
            )

    def _xades_find(self, path: str) -> etree._Element | None:
        if self.signed_properties is None:
            return None
        return _xml.find(self.signed_properties, _xades_path(self.xades_ns, path))

    def _xades_text(self, path: str) -> str:
        found = self._xades_find(path)
        return (found.text or "").strip() if found is not None else ""

    # --- cryptography ---------------------------------------------------------------------

    def xmlsec_verify(self) -> tuple[bool, str]:
        """Run libxmlsec1 on the signature with the signer's certificate as the key."""
        assert self.signer is not None
        ctx = xmlsec.SignatureContext()
        try:
            ctx.key = _xmlsec_certificate_key(self.signer)
            for transform in _XMLSEC_REFERENCE_TRANSFORMS:
                ctx.enable_reference_transform(transform)
            xmlsec.tree.add_ids(self.tree.getroot(), ["Id"])
            ctx.verify(self.signature)
        except xmlsec.Error as exc:
            return False, str(exc)
        return True, ""

    def reference_ok(self, ref: _Reference) -> bool:
        """Recompute one reference digest with lxml's C14N, independently of libxmlsec."""
        work = parse_bytes(self.xml)
        root = work.getroot()
        if ref.target_element is None:
            return False
        node = _same_node(work, ref.target_element)
        whole = ref.uri is None or ref.uri == "" or ref.uri == "#xpointer(/)"
        keep_comments = (ref.uri or "").startswith("#xpointer(")
        exclusive, with_comments, prefixes = False, False, None
        for transform in ref.transforms:
            algorithm = transform.get("Algorithm", "")
            if algorithm == ENVELOPED:
                _remove_keeping_tail(_same_node(work, self.signature))
            elif algorithm in _C14N_METHODS:
                exclusive, with_comments = _C14N_METHODS[algorithm]
                inclusive = _xml.find(
                    transform, "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces"
                )
                if inclusive is not None:
                    prefixes = inclusive.get("PrefixList", "").split() or None
        comments = keep_comments and with_comments
        subject: etree._Element | etree._ElementTree = work if whole or node is root else node
        try:
            octets = etree.tostring(
                subject,
                method="c14n",
                exclusive=exclusive,
                with_comments=comments,
                inclusive_ns_prefixes=prefixes,
            )
        except etree.C14NError:  # e.g. a relative namespace URI, which C14N 1.0 forbids
            return False
        try:
            expected = base64.b64decode(ref.digest_value, validate=True)
        except (binascii.Error, ValueError):
            return False
        return hashlib.new(ref.digest_name, octets).digest() == expected

    def signature_value_ok(self) -> bool:
        """Check ds:SignatureValue over the canonical SignedInfo with ``cryptography``."""
        assert self.signer is not None
        public = self.signer.public_key()
        signed_info = _xml.find(self.signature, _ds("SignedInfo"))
        value = _xml.find(self.signature, _ds("SignatureValue"))
        if not isinstance(public, rsa.RSAPublicKey) or signed_info is None or value is None:
            return False
        exclusive, with_comments = _C14N_METHODS.get(self.c14n_method, (False, False))
        try:
            octets = etree.tostring(
                signed_info, method="c14n", exclusive=exclusive, with_comments=with_comments
            )
            raw = base64.b64decode("".join((value.text or "").split()), validate=True)
            public.verify(raw, octets, padding.PKCS1v15(), _HASHES[self.signature_hash]())
        except (binascii.Error, ValueError, InvalidSignature, KeyError, etree.C14NError):
            return False
        return True


@lru_cache(maxsize=256)
def _certificate_digest(cert: x509.Certificate, name: str) -> str:
    """Base64 digest of a certificate's DER, as XAdES ``CertDigest`` states it."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return base64.b64encode(hashlib.new(name, der).digest()).decode()


@lru_cache(maxsize=256)
def _certificate_from_der(der: bytes) -> x509.Certificate:
    """A certificate of a signature's KeyInfo, read once per DER text (a platform sees the
    same few signers again and again).  Raises what ``cryptography`` raises for a damaged
    certificate; failures are not kept."""
    with warnings.catch_warnings():
        # Old CA certificates break RFC 5280 details (negative serials …); cryptography
        # warns but still reads them, and so do we.
        warnings.simplefilter("ignore")
        cert = x509.load_der_x509_certificate(der)
        # cryptography parses lazily: touch what we use so a damaged certificate fails
        # here with a clear finding, not later.
        cert.public_key()
        certificate_info(cert)
    return cert


@lru_cache(maxsize=256)
def _xmlsec_certificate_key(certificate: x509.Certificate) -> xmlsec.Key:
    """libxmlsec's key for a certificate's public key, loaded once per certificate.

    Only the public key is handed over: it is all that checking a signature value needs (the
    certificate itself is read and checked here, not by libxmlsec, which never looks at
    KeyInfo when the context has a key).  ``SignatureContext.key`` takes a copy of the key,
    and copying a key that carries its certificate cost as much as loading it again.
    """
    return xmlsec.Key.from_memory(
        certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        xmlsec.constants.KeyDataFormatPem,
    )


def _same_node(other: etree._ElementTree, element: etree._Element) -> etree._Element:
    """The element at the same position in ``other``, a second parse of the same bytes."""
    steps: list[int] = []
    node = element
    parent = node.getparent()
    while parent is not None:
        steps.append(parent.index(node))
        node, parent = parent, parent.getparent()
    found = other.getroot()
    for index in reversed(steps):
        found = found[index]
    return found


def _remove_keeping_tail(element: etree._Element) -> None:
    """Remove ``element`` but keep the text after it (the enveloped transform removes only
    the signature element, not the whitespace that follows it)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


@lru_cache(maxsize=16)
def _cert_paths(namespace: str) -> tuple[str, str, str]:
    """Below a XAdES ``Cert``: its digest method and value, and the issuer's serial number."""
    return (
        f"{{{namespace}}}CertDigest/{_ds('DigestMethod')}",
        f"{{{namespace}}}CertDigest/{_ds('DigestValue')}",
        f"{{{namespace}}}IssuerSerial/{_ds('X509SerialNumber')}",
    )


@lru_cache(maxsize=256)
def _xades_path(namespace: str, path: str) -> str:
    """``path`` (local names joined by ``/``) in Clark notation in the XAdES ``namespace``;
    the paths are the verifier's own literals and the namespaces the few XAdES versions."""
    return "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))


def _top_level_signatures(root: etree._Element) -> list[etree._Element]:
    out = []
    for sig in root.iter(_ds("Signature")):
        if not any(
            isinstance(a.tag, str) and a.tag == _ds("Signature") for a in sig.iterancestors()
        ):
            out.append(sig)
    return out


def _parse_time(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _invoice_signers(root: etree._Element) -> tuple[str, ...]:
    """Tax IDs that may sign this Facturae: the seller, or the issuing third party/buyer.

    ``FileHeader/InvoiceIssuerType`` says who issued the file: ``EM`` the seller, ``RE`` the
    buyer (self-billing), ``TE`` a third party named in ``FileHeader/ThirdParty``.
    """
    if not is_facturae(root):
        return ()

    def tax_id(path: str) -> Iterable[str]:
        for node in _xml.iterpath(root, f"{path}/TaxIdentification/TaxIdentificationNumber"):
            if node.text and node.text.strip():
                yield normalise_tax_id(node.text)

    found = list(tax_id("Parties/SellerParty"))
    issuer_type = (_xml.findtext(root, "FileHeader/InvoiceIssuerType") or "").strip()
    if issuer_type == "TE":
        found += tax_id("FileHeader/ThirdParty")
    elif issuer_type == "RE":
        found += tax_id("Parties/BuyerParty")
    return tuple(dict.fromkeys(found))


def verify(
    xml: bytes, *, at: dt.datetime | None = None, independent: bool = False
) -> VerificationReport:
    """Verify the signature of ``xml`` (bytes as received; parsed with the hardened parser).

    Returns a report with status ``valid``, ``invalid`` or ``unsigned``; never raises on a
    bad or unusual signature.  ``at`` is the reference time for ``days_to_expiry``.
    ``independent=True`` also recomputes every reference digest and the signature value
    without libxmlsec when libxmlsec accepts the signature (slower; for audits and tests);
    any disagreement makes the signature invalid.
    Raises :class:`~einvoice.errors.ParseError` only when ``xml`` is not safe, well-formed XML.
    """
    moment = at or dt.datetime.now(dt.UTC)
    tree = parse_bytes(xml)
    root = tree.getroot()
    signatures = _top_level_signatures(root)
    if not signatures:
        return VerificationReport(
            status=SignatureStatus.UNSIGNED,
            findings=(
                Violation(
                    rule="SIG-UNSIGNED",
                    message="The file is not signed.",
                    message_es="El fichero no está firmado.",
                    severity=Severity.INFO,
                    layer=Layer.SIGNATURE,
                ),
            ),
            expected_tax_ids=_invoice_signers(root),
        )
    v = _Verifier(xml=xml, tree=tree, signature=signatures[0], at=moment)
    if len(signatures) > 1:
        v.error(
            "SIG-MULTIPLE",
            f"The file carries {len(signatures)} signatures; a Facturae file has exactly one.",
            f"El fichero lleva {len(signatures)} firmas; un fichero Facturae lleva solo una.",
        )
    v.read_structure()
    v.check_coverage()
    v.read_certificates()

    signature_value_ok: bool | None = None
    checks: dict[int, bool | None] = {}
    if not v.has_errors and v.signer is not None:
        ok, detail = v.xmlsec_verify()
        if ok and independent:
            checks = {i: v.reference_ok(r) for i, r in enumerate(v.references)}
            signature_value_ok = v.signature_value_ok()
            if not all(checks.values()) or not signature_value_ok:
                _explain_failures(v, checks, signature_value_ok, "")
        elif ok:
            signature_value_ok = True
            checks = {i: True for i in range(len(v.references))}
        else:
            checks = {
                i: v.reference_ok(r) if r.target_element is not None and r.digest_name else None
                for i, r in enumerate(v.references)
            }
            signature_value_ok = v.signature_value_ok()
            _explain_failures(v, checks, signature_value_ok, detail)
    elif v.signer is not None and v.signature_hash:
        # Structure already refused, but still say which digests no longer match.
        checks = {
            i: v.reference_ok(r) if r.target_element is not None and r.digest_name else None
            for i, r in enumerate(v.references)
        }
        signature_value_ok = v.signature_value_ok()

    return _finish(v, checks, signature_value_ok)


def _explain_failures(
    v: _Verifier, checks: dict[int, bool | None], signature_ok: bool, detail: str
) -> None:
    for index, ref in enumerate(v.references):
        if checks.get(index) is False:
            what_en, what_es = _TARGET_TEXT[ref.target]
            location = ref.uri if ref.uri is not None else "(no URI)"
            shown_en = f"reference {ref.uri}" if ref.uri else "reference to the whole document"
            shown_es = f"referencia {ref.uri}" if ref.uri else "referencia al documento completo"
            v.error(
                "SIG-REF-DIGEST",
                f"The signature does not match {what_en} ({shown_en}): it was changed after "
                "signing.",
                f"La firma no coincide con {what_es} ({shown_es}): se modificó después de firmar.",
                location=location,
            )
    if not signature_ok:
        v.error(
            "SIG-VALUE",
            "The signature value does not match the signed information and the signer's "
            "certificate: the signature is forged or damaged.",
            "El valor de la firma no corresponde a la información firmada y al certificado "
            "del firmante: la firma está falsificada o dañada.",
            location="SignatureValue",
        )
    if not v.has_errors:
        v.error(
            "SIG-CRYPTO",
            f"The signature could not be verified ({detail or 'libxmlsec1 rejected it'}).",
            f"No se pudo verificar la firma ({detail or 'libxmlsec1 la rechazó'}).",
        )


def _finish(
    v: _Verifier, checks: dict[int, bool | None], signature_value_ok: bool | None
) -> VerificationReport:
    signer_info = certificate_info(v.signer, at=v.at) if v.signer is not None else None

    signing_time = _parse_time(v._xades_text("SignedSignatureProperties/SigningTime"))
    valid_at_signing: bool | None = None
    if v.signed_properties is not None and signing_time is None:
        v.warn(
            "SIG-NO-TIME",
            "The signature does not state a valid signing time.",
            "La firma no indica una hora de firma válida.",
        )
    if signer_info is not None and signing_time is not None:
        valid_at_signing = signer_info.valid_at(signing_time)
        if not valid_at_signing:
            v.warn(
                "SIG-CERT-PERIOD",
                f"The certificate was not within its validity period at the signing time "
                f"({signer_info.not_before:%Y-%m-%d} to {signer_info.not_after:%Y-%m-%d}).",
                f"El certificado no estaba en su periodo de validez en la hora de firma "
                f"({signer_info.not_before:%Y-%m-%d} a {signer_info.not_after:%Y-%m-%d}).",
            )
    if signer_info is not None and signer_info.is_test:
        v.warn(
            "SIG-TEST-CERT",
            "Signed with a TEST certificate, which has no legal validity.",
            "Firmado con un certificado de PRUEBA, que no tiene validez legal.",
        )

    policy_path = "SignedSignatureProperties/SignaturePolicyIdentifier/SignaturePolicyId"
    policy_identifier = v._xades_text(f"{policy_path}/SigPolicyId/Identifier")
    policy_ok = policy_identifier == POLICY_IDENTIFIER
    policy_digest_ok: bool | None = None
    if v.signed_properties is not None:
        if not policy_identifier:
            v.error(
                "SIG-POLICY",
                "The signature does not name the Facturae signature policy; it is not an "
                "XAdES-EPES Facturae signature.",
                "La firma no indica la política de firma Facturae; no es una firma Facturae "
                "XAdES-EPES.",
            )
        elif not policy_ok:
            v.error(
                "SIG-POLICY",
                f"The signature names the policy {policy_identifier!r}, not the Facturae "
                "policy v3.1.",
                f"La firma indica la política {policy_identifier!r}, no la política Facturae v3.1.",
            )
        else:
            hash_node = v._xades_find(f"{policy_path}/SigPolicyHash")
            method = _xml.find(hash_node, _ds("DigestMethod")) if hash_node is not None else None
            value = _xml.findtext(hash_node, _ds("DigestValue")) if hash_node is not None else None
            if method is not None and method.get("Algorithm") == DIGEST_URIS["sha1"]:
                policy_digest_ok = "".join((value or "").split()) == POLICY_DIGEST_SHA1
                if not policy_digest_ok:
                    v.error(
                        "SIG-POLICY-DIGEST",
                        "The digest of the Facturae signature policy is wrong.",
                        "El resumen de la política de firma Facturae no es correcto.",
                    )
            elif hash_node is None:
                policy_digest_ok = False
                v.error(
                    "SIG-POLICY-DIGEST",
                    "The signature policy has no digest.",
                    "La política de firma no tiene resumen.",
                )

    role = v._xades_text("SignedSignatureProperties/SignerRole/ClaimedRoles/ClaimedRole")
    if v.signed_properties is not None:
        if not role:
            v.warn(
                "SIG-ROLE",
                "The signature does not state the signer's role (emisor, receptor, tercero).",
                "La firma no indica el rol del firmante (emisor, receptor, tercero).",
            )
        elif role.lower() not in ROLES:
            v.warn(
                "SIG-ROLE",
                f"The signer's role {role!r} is not one the Facturae policy defines.",
                f"El rol del firmante {role!r} no es uno de los que define la política Facturae.",
            )

    expected = _invoice_signers(v.tree.getroot())
    matches: bool | None = None
    if signer_info is not None and expected:
        if not signer_info.tax_ids:
            v.warn(
                "SIG-SIGNER-ID",
                "The signer's certificate carries no tax ID, so it cannot be compared with the "
                "seller.",
                "El certificado del firmante no contiene NIF, así que no se puede comparar con "
                "el del vendedor.",
            )
        else:
            matches = bool(set(signer_info.tax_ids) & set(expected))
            if not matches:
                v.warn(
                    "SIG-SIGNER-ID",
                    f"The invoice was signed by {', '.join(signer_info.tax_ids)}, but the seller "
                    f"is {', '.join(expected)}.",
                    f"La factura la firmó {', '.join(signer_info.tax_ids)}, pero el vendedor es "
                    f"{', '.join(expected)}.",
                )

    references = tuple(
        ReferenceCheck(
            uri=r.uri,
            target=r.target,
            type=r.type,
            transforms=tuple(t.get("Algorithm", "") for t in r.transforms),
            digest_algorithm=r.digest_uri,
            ok=checks.get(i),
        )
        for i, r in enumerate(v.references)
    )
    status = SignatureStatus.INVALID if v.has_errors else SignatureStatus.VALID
    sm = _xml.find(v.signature, f"{_ds('SignedInfo')}/{_ds('SignatureMethod')}")
    return VerificationReport(
        status=status,
        findings=tuple(v.findings),
        signature_id=v.signature.get("Id", ""),
        signature_method=sm.get("Algorithm", "") if sm is not None else "",
        signature_value_ok=signature_value_ok,
        references=references,
        signer=signer_info,
        chain_length=len(v.certificates),
        signing_time=signing_time,
        certificate_valid_at_signing=valid_at_signing,
        policy_identifier=policy_identifier,
        policy_ok=policy_ok,
        policy_digest_ok=policy_digest_ok,
        signer_role=role,
        expected_tax_ids=expected,
        signer_matches_invoice=matches,
    )
