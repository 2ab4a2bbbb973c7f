"""A stand-in for the ``xmlsec1 --encrypt`` command line (1.3) that peppol-py runs.

peppol-py shells out to ``xmlsec1 >= 1.3`` to encrypt its payload (AES-128-GCM, RSA-OAEP
with MGF1-SHA256); Debian 12 ships 1.2.37, which lacks both and ``--lax-key-search``.  This
script does the same encryption with python-xmlsec (built on libxmlsec1 1.3): it takes the
same arguments peppol-py passes and prints the filled-in ``EncryptedData`` template.
Test-only: it implements only the arguments peppol-py uses.
"""

from __future__ import annotations

import argparse
import sys

import xmlsec
from lxml import etree


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encrypt", action="store_true")
    parser.add_argument("--pubkey-cert-pem", required=True)
    parser.add_argument("--session-key", default="aes-128")
    parser.add_argument("--binary-data", required=True)
    parser.add_argument("--lax-key-search", action="store_true")
    parser.add_argument("template")
    args = parser.parse_args()
    if not args.encrypt or args.session_key != "aes-128":
        print("only --encrypt with --session-key aes-128 is supported", file=sys.stderr)
        return 2
    with open(args.binary_data, "rb") as handle:
        data = handle.read()
    template = etree.parse(args.template).getroot()
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_file(args.pubkey_cert_pem, xmlsec.KeyFormat.CERT_PEM, None))
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.KeyData.AES, 128, xmlsec.KeyDataType.SESSION)
    encrypted = context.encrypt_binary(template, data)
    sys.stdout.buffer.write(etree.tostring(encrypted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
