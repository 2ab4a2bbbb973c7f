"""RFC 9457 problem documents: the one shape every API error takes.

``type`` is a URN naming the kind of problem (stable, documented in ``docs/api.md``);
``title`` a short sentence for the kind, ``detail`` the sentence for this occurrence, both in
the request's language (``Accept-Language``: Spanish or English).  Validation problems add
``violations``: ``[{rule, severity, layer, location, line, invoice, message, message_es, detail}]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpResponse

from einvoice.errors import Violation

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:efactura:problem:"


def problem_body(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str = "",
    violations: Iterable[Violation | Mapping[str, Any]] = (),
    **extra: Any,
) -> dict[str, Any]:
    """The problem document as a dict (also what idempotency records store)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    listed = [v.as_dict() if isinstance(v, Violation) else dict(v) for v in violations]
    if listed:
        body["violations"] = listed
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def json_response(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """A JSON response; problem+json when ``status`` is an error."""
    content_type = PROBLEM_CONTENT_TYPE if status >= 400 else "application/json"
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=f"{content_type}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str = "",
    violations: Iterable[Violation | Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """An ``application/problem+json`` response."""
    return json_response(
        status,
        problem_body(
            status=status, slug=slug, title=title, detail=detail, violations=violations, **extra
        ),
        headers,
    )


class ApiProblem(Exception):
    """Raised anywhere below a handler to answer with a problem document."""

    def __init__(
        self,
        *,
        status: int,
        slug: str,
        title: str,
        detail: str = "",
        violations: Iterable[Violation | Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.violations = list(violations)
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> HttpResponse:
        return problem(
            status=self.status,
            slug=self.slug,
            title=self.title,
            detail=self.detail,
            violations=self.violations,
            headers=self.headers,
            **self.extra,
        )
