"""Canonical invoices to and from plain JSON-compatible data.

Used to keep the canonical form of an invoice in the database, to accept invoices as JSON in
the API and to compare models in tests.  The shape is the dataclass fields by name: ``Decimal``
becomes a string (never a float, so no amount is ever rounded by JSON), dates ISO strings,
enums their value, bytes base64, tuples lists.  Loading is strict: an unknown field, a wrong
type or a bad amount raises :class:`~einvoice.errors.ParseError` naming the path, e.g.
``lines[2].net_price``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import types
import typing
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from einvoice import lexical, model
from einvoice.errors import Layer, ParseError


def to_data(value: Any) -> Any:
    """Convert a canonical-model object (or any nesting of them) into JSON-compatible data.

    Fields holding their default value are left out, which keeps stored JSON small.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if _is_default(f, item):
                continue
            out[f.name] = to_data(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    return value


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def from_data[T](cls: type[T], data: Any, *, path: str = "") -> T:
    """Build ``cls`` (a canonical-model dataclass) from data produced by :func:`to_data` or
    sent by an API client.  Raises :class:`ParseError` with the failing path."""
    return typing.cast(T, _load(cls, data, path or cls.__name__))


def _fail(path: str, expected: str, value: Any) -> ParseError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ParseError.single(
        "JSON-FIELD",
        f"Field '{path}': expected {expected}, got {shown}.",
        f"Campo '{path}': se esperaba {expected}, se recibió {shown}.",
        layer=Layer.XML,
        location=path,
    )


def _load(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return _load(args[0], data, path)
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if not isinstance(data, list | tuple):
            raise _fail(path, "a list", data)
        return tuple(_load(item_tp, v, f"{path}[{i}]") for i, v in enumerate(data))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise _fail(path, "an object", data)
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        unknown = sorted(set(data) - names)
        if unknown:
            where = f"{path}.{unknown[0]}"
            raise ParseError.single(
                "JSON-UNKNOWN",
                f"Field '{where}' does not exist in the invoice model.",
                f"El campo '{where}' no existe en el modelo de factura.",
                location=where,
            )
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = _load(hints[f.name], data[f.name], f"{path}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ParseError.single(
                    "JSON-MISSING",
                    f"Field '{path}.{f.name}' is required.",
                    f"El campo '{path}.{f.name}' es obligatorio.",
                    location=f"{path}.{f.name}",
                )
        return tp(**kwargs)
    if tp is Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int):
            # floats are refused on purpose: 0.1 + 0.2 is not money
            raise _fail(path, 'an amount as a string such as "12.50"', data)
        try:
            return lexical.parse_decimal(str(data))
        except lexical.LexicalError as exc:
            if exc.problem == "range":
                raise ParseError.single(
                    lexical.RANGE_RULE,
                    f"Field '{path}' {exc.message}.",
                    f"El campo '{path}' {exc.message_es}.",
                    layer=Layer.XML,
                    location=path,
                ) from None
            raise _fail(path, 'an amount such as "12.50"', data) from None
    if tp is dt.date:
        if not isinstance(data, str):
            raise _fail(path, "a date YYYY-MM-DD", data)
        try:
            return dt.date.fromisoformat(data)
        except ValueError:
            raise _fail(path, "a date YYYY-MM-DD", data) from None
    if tp is bytes:
        if not isinstance(data, str):
            raise _fail(path, "base64 text", data)
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _fail(path, "base64 text", data) from None
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in tp)
            raise _fail(path, f"one of {allowed}", data) from None
    if tp is bool:
        if not isinstance(data, bool):
            raise _fail(path, "true or false", data)
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise _fail(path, "a whole number", data)
        return data
    if tp is str:
        if not isinstance(data, str):
            raise _fail(path, "text", data)
        return data
    raise _fail(path, f"a value of type {tp}", data)


def invoice_to_data(invoice: model.Invoice) -> dict[str, Any]:
    """The canonical invoice as a JSON-compatible dict."""
    result: dict[str, Any] = to_data(invoice)
    return result


def invoice_from_data(data: Any) -> model.Invoice:
    """Load a canonical invoice from :func:`invoice_to_data` output or API JSON."""
    return from_data(model.Invoice, data, path="invoice")
