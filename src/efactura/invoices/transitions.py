"""Which business step each side of an invoice may take, from which state: the one table.

Every lifecycle service checks its step with :func:`check_step` before changing anything, and
the pages and the API offer exactly the steps :func:`allowed` returns, so a rule lives here
only.  A refused step raises a ``ValidationError`` (code ``invalid_state``) whose message is
translated (English/Spanish) and names the invoice's current state; the API turns it into a
422 problem and the web into a form error — never a 500.

RD 238/2026 duties modelled (docs/statuses.md has the full table with the codes):

* the recipient accepts or rejects (reason code + text) within the period, may cancel a
  rejection, records payments (partial ones add up; *paid* when the sum reaches the amount
  due) and may cancel a payment; without a rejection the acceptance is presumed when the
  period ends (``accept_presumed``, taken by the platform, not by a person);
* the issuer reports collection (*cobro*) or default (*impago*) and may cancel either; and
  asks for the invoice's cancellation, which the recipient answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from efactura.invoices.choices import Collection, Status

Side = Literal["issuer", "recipient", "platform"]

ANSWERABLE = frozenset({Status.RECEIVED, Status.READ})
PAYABLE = frozenset({Status.RECEIVED, Status.READ, Status.ACCEPTED, Status.PARTIALLY_PAID})
WITH_PAYMENTS = frozenset({Status.PARTIALLY_PAID, Status.PAID})
ALIVE = frozenset(
    {Status.RECEIVED, Status.READ, Status.ACCEPTED, Status.PARTIALLY_PAID, Status.PAID}
)
ANY_COLLECTION = frozenset(Collection.values)
ANY_STATUS = frozenset(Status.values)


@dataclass(frozen=True)
class Step:
    """A business step: who takes it, from which statuses and which collection states."""

    side: Side
    statuses: frozenset[str]
    collections: frozenset[str] = ANY_COLLECTION


STEPS: dict[str, Step] = {
    # The recipient's answers.
    "accept": Step("recipient", ANSWERABLE),
    "reject": Step("recipient", ANSWERABLE),
    "cancel_rejection": Step("recipient", frozenset({Status.REJECTED})),
    "pay": Step("recipient", PAYABLE),
    "cancel_payment": Step("recipient", WITH_PAYMENTS),
    "answer_cancellation": Step("recipient", frozenset({Status.CANCELLATION_REQUESTED})),
    # The issuer's reports.
    "settle": Step("issuer", ALIVE, frozenset({Collection.NONE})),
    "cancel_settlement": Step("issuer", ANY_STATUS, frozenset({Collection.SETTLED})),
    "default": Step("issuer", ALIVE, frozenset({Collection.NONE})),
    "cancel_default": Step("issuer", ANY_STATUS, frozenset({Collection.DEFAULTED})),
    "request_cancellation": Step(
        "issuer", ANSWERABLE | {Status.ACCEPTED, Status.REJECTED}, frozenset({Collection.NONE})
    ),
    # The platform, when the period ends without a rejection.
    "accept_presumed": Step("platform", ANSWERABLE),
}
"""The lifecycle's rules, used by the services and by :func:`allowed`."""

PERSON_STEPS = tuple(name for name, step in STEPS.items() if step.side != "platform")


def _refusals() -> dict[str, str]:
    """The sentence refusing each step (whole sentences, so each language words them well)."""
    return {
        "accept": _("Invoice %(number)s is %(state)s; it cannot be accepted now."),
        "reject": _("Invoice %(number)s is %(state)s; it cannot be rejected now."),
        "cancel_rejection": _("Invoice %(number)s is %(state)s; there is no rejection to cancel."),
        "pay": _("Invoice %(number)s is %(state)s; no payment can be recorded now."),
        "cancel_payment": _("Invoice %(number)s is %(state)s; there is no payment to cancel."),
        "answer_cancellation": _(
            "Invoice %(number)s is %(state)s; there is no cancellation request to answer."
        ),
        "settle": _("Invoice %(number)s is %(state)s; it cannot be reported as collected now."),
        "cancel_settlement": _(
            "Invoice %(number)s is %(state)s; there is no collection to cancel."
        ),
        "default": _("Invoice %(number)s is %(state)s; it cannot be reported as unpaid now."),
        "cancel_default": _("Invoice %(number)s is %(state)s; there is no default to cancel."),
        "request_cancellation": _(
            "Invoice %(number)s is %(state)s; its cancellation cannot be requested now."
        ),
        "accept_presumed": _("Invoice %(number)s is %(state)s; its acceptance cannot be presumed."),
    }


def state_allows(step: str, *, status: str, collection: str) -> bool:
    """Does the invoice's state (status and collection) allow ``step``?"""
    rule = STEPS[step]
    return status in rule.statuses and (collection or "") in rule.collections


def check_step(invoice: Any, step: str) -> None:
    """Raise a translated ``ValidationError`` when ``invoice``'s state does not allow ``step``."""
    if state_allows(step, status=invoice.status, collection=invoice.collection):
        return
    state = invoice.get_status_display().lower()
    if invoice.collection:
        state = f"{state}, {invoice.get_collection_display().lower()}"
    raise ValidationError(
        _refusals()[step] % {"number": invoice.full_number, "state": state},
        code="invalid_state",
    )


def allowed(*, invoice: Any, sides: dict[str, bool]) -> dict[str, bool]:
    """Which person steps the state allows for a company on the given sides of ``invoice``."""
    return {
        name: sides[STEPS[name].side]
        and state_allows(name, status=invoice.status, collection=invoice.collection)
        for name in PERSON_STEPS
    }
