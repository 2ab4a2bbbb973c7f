"""VERI*FACTU (RD 1007/2023, Orden HAC/1177/2024): billing records, fingerprints, QR codes and
the AEAT's SOAP exchange — pure code, no Django.

* :mod:`.records` — ``RegistroAlta`` / ``RegistroAnulacion`` data, the chained SHA-256
  fingerprint (``Huella``) and their XML;
* :mod:`.from_invoice` — a registration record from a canonical invoice;
* :mod:`.soap` — SOAP envelopes, XSD validation against the vendored AEAT schemas, answers;
* :mod:`.qr` — the AEAT verification URL and its QR code.
"""
