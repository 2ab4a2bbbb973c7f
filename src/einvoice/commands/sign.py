"""``efactura sign``: sign an unsigned Facturae file with a PKCS#12 certificate.

The password is read from an environment variable named on the command line, never from
the command line itself (which other users of the machine can see in the process list).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from einvoice.errors import EInvoiceError
from einvoice.signing.certs import load_pkcs12
from einvoice.signing.xades import ROLES, sign

HELP = "sign a Facturae file (XAdES-EPES, Facturae policy v3.1)"


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="IN", type=Path, help="unsigned Facturae XML file")
    parser.add_argument("--p12", required=True, type=Path, help="PKCS#12 (.p12/.pfx) file")
    parser.add_argument(
        "--password-env",
        required=True,
        metavar="VAR",
        help="name of the environment variable holding the PKCS#12 password",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="signed file to write")
    parser.add_argument("--digest", choices=("sha256", "sha512"), default="sha256")
    parser.add_argument("--role", choices=ROLES, default="emisor", help="claimed signer role")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sign`` sub-command."""
    parser = subparsers.add_parser("sign", help=HELP, description=HELP)
    _arguments(parser)
    parser.set_defaults(func=run)


def _fail(en: str, es: str, status: int = 1) -> int:
    print(f"error: {en}\n       {es}", file=sys.stderr)
    return status


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename: never a half-written original."""
    directory = path.resolve().parent
    with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(data)
        name = tmp.name
    os.replace(name, path)


def run(args: argparse.Namespace) -> int:
    """Sign ``args.input`` into ``args.output``; 0 on success, 1 on refusal, 2 on bad usage."""
    password = os.environ.get(args.password_env)
    if password is None:
        return _fail(
            f"The environment variable {args.password_env} is not set.",
            f"La variable de entorno {args.password_env} no está definida.",
            2,
        )
    try:
        xml = Path(args.input).read_bytes()
        p12 = Path(args.p12).read_bytes()
    except OSError as exc:
        return _fail(
            f"Cannot read {exc.filename}: {exc.strerror}.",
            f"No se puede leer {exc.filename}: {exc.strerror}.",
        )
    try:
        identity = load_pkcs12(p12, password)
        signed = sign(
            xml,
            key=identity.key,
            certificate=identity.certificate,
            chain=identity.chain,
            role=args.role,
            digest=args.digest,
        )
    except EInvoiceError as exc:
        return _fail(exc.summary("en"), exc.summary("es"))
    try:
        _write_atomically(Path(args.output), signed)
    except OSError as exc:
        return _fail(
            f"Cannot write {args.output}: {exc.strerror}.",
            f"No se puede escribir {args.output}: {exc.strerror}.",
        )
    print(f"signed: {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="efactura sign", description=HELP)
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
