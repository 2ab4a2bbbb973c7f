"""Sign-in from online banking against a real OpenID provider (node's oidc-provider).

efactura runs in the Django test client; the provider runs as a separate process on a free
port.  efactura fetches discovery, keys and tokens from it over HTTP; the provider's login page
is filled in by ``walk_to_callback`` as a browser would.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from tests.efactura.sso.bank_support import (
    ANA,
    LUIS,
    MARTA,
    Bank,
    expired,
    payload_of,
    re_signed,
    sign_in,
    signing_key,
    unsigned,
    walk_to_callback,
    with_changed_payload,
)

from efactura.audit.models import AuditEntry
from efactura.companies.models import Membership
from efactura.sso.models import BankIdentity, BankMembership, BankSession, Enrolment
from efactura.sso.services import do_enrol, do_set_enrolment_active

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_enrolled_customer_lands_in_invoices_payable_of_the_company(
    bank: Bank, client: Any, customer: Any
) -> None:
    do_enrol(company=customer, national_id="12.345.678-z", role="accountant")

    done = sign_in(client, ANA)

    assert done.status_code == 302 and done["Location"] == "/payable/"
    page = client.get("/payable/", **EN)
    assert page.status_code == 200
    assert customer.legal_name in page.content.decode()
    identity = BankIdentity.objects.get(subject=ANA.sub)
    assert identity.issuer == bank.issuer
    assert identity.national_id == "12345678Z"
    user = identity.user
    assert user.full_name == "Ana Ruiz Ortega"
    assert user.email == "ana.ruiz@example.com"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.company, membership.role) == (customer, "accountant")
    assert BankMembership.objects.filter(membership=membership).exists()
    assert BankSession.objects.filter(identity=identity).count() == 1
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"sso.enrolment.created", "sso.identity.created", "sso.signin.succeeded"} <= actions


def test_the_flow_uses_pkce_state_nonce_and_the_configured_scopes(
    bank: Bank, client: Any, customer: Any
) -> None:
    start = client.get("/sso/login?next=/payable/")
    query = parse_qs(urlsplit(start["Location"]).query)

    assert start["Location"].startswith(f"{bank.issuer}/auth?")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["efactura-test"]
    assert query["redirect_uri"] == ["http://testserver/sso/callback"]
    assert query["scope"] == ["openid profile email efactura"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20


def test_unenrolled_person_is_refused_with_an_explanation(
    bank: Bank, client: Any, customer: Any
) -> None:
    do_enrol(company=customer, national_id=ANA.claims["national_id"], role="admin")

    refused = sign_in(client, LUIS, **EN)

    assert refused.status_code == 403
    text = refused.content.decode()
    assert "You are not enrolled for electronic invoicing" in text
    assert "Visit your branch" in text
    assert LUIS.sub in text
    assert not BankIdentity.objects.filter(subject=LUIS.sub).exists()
    assert client.get("/payable/").status_code == 302  # not logged in
    refusal = AuditEntry.objects.get(action="sso.signin.refused")
    assert refusal.data["reason"] == "not_enrolled"


def test_the_refusal_page_is_in_spanish_too(bank: Bank, client: Any, customer: Any) -> None:
    refused = sign_in(client, LUIS, HTTP_ACCEPT_LANGUAGE="es")

    assert refused.status_code == 403
    assert "No está dado de alta en la facturación electrónica" in refused.content.decode()


def test_a_disabled_enrolment_takes_effect_at_the_next_request(
    bank: Bank, client: Any, customer: Any
) -> None:
    enrolment = do_enrol(company=customer, subject=ANA.sub, role="admin")
    sign_in(client, ANA)
    assert client.get("/payable/").status_code == 200

    do_set_enrolment_active(enrolment=enrolment, active=False)

    assert client.get("/payable/").status_code == 403  # the "no company" page
    assert not Membership.objects.filter(company=customer).exists()
    do_set_enrolment_active(enrolment=enrolment, active=True)
    assert client.get("/payable/").status_code == 200


def test_a_role_change_applies_without_signing_in_again(
    bank: Bank, client: Any, customer: Any
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="viewer")
    sign_in(client, ANA)

    do_enrol(company=customer, subject=ANA.sub, role="admin")

    assert Membership.objects.get(company=customer).role == "admin"
    assert Enrolment.objects.count() == 1


def test_several_companies_offer_the_company_switcher(
    bank: Bank, client: Any, customer: Any, supplier: Any
) -> None:
    do_enrol(company=customer, national_id="12345678Z", role="admin")
    do_enrol(company=supplier, subject=ANA.sub, role="viewer")

    sign_in(client, ANA)
    page = client.get("/payable/").content.decode()

    assert 'id="company-select"' in page
    assert customer.legal_name in page and supplier.legal_name in page
    roles = dict(Membership.objects.values_list("company__tax_id", "role"))
    assert roles == {customer.tax_id: "admin", supplier.tax_id: "viewer"}


def test_companies_claim_gives_access_when_configured(
    bank: Bank, client: Any, supplier: Any, settings: Any
) -> None:
    refused = sign_in(client, MARTA)
    assert refused.status_code == 403  # claim not configured: enrolments only

    settings.EFACTURA_OIDC_COMPANIES_CLAIM = "company_tax_ids"
    done = sign_in(client, MARTA)

    assert done.status_code == 302
    membership = Membership.objects.get(user__bank_identity__subject=MARTA.sub)
    assert (membership.company, membership.role) == (supplier, "viewer")


def test_a_company_no_longer_claimed_is_withdrawn_at_the_next_sign_in(
    bank: Bank, client: Any, supplier: Any, customer: Any, settings: Any
) -> None:
    settings.EFACTURA_OIDC_COMPANIES_CLAIM = "company_tax_ids"
    do_enrol(company=customer, subject=MARTA.sub, role="accountant")
    sign_in(client, MARTA)
    assert Membership.objects.filter(user__bank_identity__subject=MARTA.sub).count() == 2

    settings.EFACTURA_OIDC_COMPANIES_CLAIM = ""
    sign_in(client, MARTA)

    companies = Membership.objects.filter(user__bank_identity__subject=MARTA.sub)
    assert [m.company for m in companies] == [customer]


# -- Answers that must be refused --------------------------------------------------------------


@pytest.mark.parametrize(
    "attack", ["tampered", "expired", "unknown_key", "other_audience", "unsigned"]
)
def test_a_forged_or_expired_id_token_is_refused(
    proxied_bank: Bank, client: Any, customer: Any, attack: str
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    do_enrol(company=customer, subject=LUIS.sub, role="admin")
    proxy = proxied_bank.proxy
    assert proxy is not None
    proxy.rewrite_id_token = {
        # Someone changes who signed in, keeping the bank's signature.
        "tampered": lambda token: with_changed_payload(token, sub=LUIS.sub),
        # Validly signed by the bank's key, but expired half an hour ago.
        "expired": expired(proxied_bank.key),
        # Signed by a key the bank never published.
        "unknown_key": lambda token: re_signed(token, signing_key("not-the-bank")),
        # Signed by the bank's key, but issued to another client.
        "other_audience": lambda token: re_signed(token, proxied_bank.key, aud="someone-else"),
        # No signature at all ("alg": "none").
        "unsigned": unsigned,
    }[attack]

    refused = sign_in(client, ANA, **EN)

    assert refused.status_code == 403
    assert "The bank&#x27;s answer could not be verified" in refused.content.decode()
    assert client.get("/payable/").status_code == 302
    assert not BankIdentity.objects.exists()
    assert AuditEntry.objects.get(action="sso.signin.refused").data["reason"] == "invalid_id_token"


def test_the_untouched_answer_through_the_same_proxy_is_accepted(
    proxied_bank: Bank, client: Any, customer: Any
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")

    assert sign_in(client, ANA).status_code == 302
    assert proxied_bank.proxy is not None and proxied_bank.proxy.seen_tokens


def test_keys_are_fetched_again_when_the_bank_signs_with_a_new_key(
    settings: Any, client: Any, customer: Any
) -> None:
    """Key rotation: the token names a key id efactura has not seen; it refreshes the JWKS."""
    from tests.efactura.sso.bank_support import configure_platform, run_bank

    new_key = signing_key("bank-key-2")
    bank_run = run_bank(base_url="http://testserver", proxy=True, extra_keys=(new_key,))
    bank = next(bank_run)
    configure_platform(settings, issuer=bank.issuer, base_url="http://testserver")
    proxy = bank.proxy
    assert proxy is not None
    try:
        do_enrol(company=customer, subject=ANA.sub, role="admin")
        proxy.hidden_kids = {"bank-key-2"}  # the new key is not published yet
        assert sign_in(client, ANA).status_code == 302
        assert proxy.jwks_fetches == 1
        client.logout()
        proxy.hidden_kids = set()  # the bank publishes the new key and signs with it
        proxy.rewrite_id_token = lambda token: re_signed(token, new_key)

        assert sign_in(client, ANA).status_code == 302
        assert proxy.jwks_fetches == 2  # the cached keys lacked bank-key-2: fetched again
        assert payload_of(proxy.seen_tokens[-1])["sub"] == ANA.sub
    finally:
        bank_run.close()


def test_a_replayed_or_forged_callback_is_refused(bank: Bank, client: Any, customer: Any) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    start = client.get("/sso/login?next=/payable/")
    callback = walk_to_callback(start["Location"], login=ANA.login)
    assert client.get(callback).status_code == 302
    client.logout()

    replayed = client.get(callback, **EN)

    assert replayed.status_code == 400
    assert "This sign-in link has expired" in replayed.content.decode()
    assert client.get("/sso/callback?code=x&state=made-up").status_code == 400


def test_cancelling_at_the_bank_shows_a_page(bank: Bank, client: Any, customer: Any) -> None:
    start = client.get("/sso/login")
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=10)
    back = browser.get(login_page.url.rstrip("/") + "/abort", timeout=10, allow_redirects=False)
    resume = browser.get(back.headers["Location"], timeout=10, allow_redirects=False)
    parts = urlsplit(resume.headers["Location"])

    cancelled = client.get(f"{parts.path}?{parts.query}", **EN)

    assert cancelled.status_code == 403
    assert "Sign-in cancelled" in cancelled.content.decode()


def test_an_unreachable_provider_gives_a_clear_page(client: Any, settings: Any) -> None:
    settings.EFACTURA_OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.EFACTURA_OIDC_CLIENT_ID = "x"
    settings.EFACTURA_OIDC_CLIENT_SECRET = "y"
    settings.EFACTURA_OIDC_TIMEOUT = 2

    page = client.get("/sso/login", **EN)

    assert page.status_code == 502
    assert "cannot be reached" in page.content.decode()


def test_without_configuration_there_is_no_bank_entry(client: Any, settings: Any) -> None:
    settings.EFACTURA_OIDC_ISSUER = ""

    assert client.get("/sso/login", **EN).status_code == 404
    assert "Enter from online banking" not in client.get("/accounts/login/", **EN).content.decode()


def test_the_login_page_offers_the_bank_entry(bank: Bank, client: Any, settings: Any) -> None:
    page = client.get("/accounts/login/?next=/issued/", **EN).content.decode()

    assert "Enter from online banking" in page
    assert 'href="/sso/login?next=/issued/"' in page


def test_next_never_leaves_the_site(bank: Bank, client: Any, customer: Any) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")

    done = sign_in(client, ANA, next_url="https://evil.example/")

    assert done["Location"] == "/payable/"


# -- Logout ------------------------------------------------------------------------------------


def test_logout_ends_the_platform_session_and_the_bank_session(
    bank: Bank, client: Any, customer: Any
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    start = client.get("/sso/login?next=/payable/")
    browser = requests.Session()  # keeps the provider's session cookie
    client.get(walk_to_callback(start["Location"], login=ANA.login, session=browser))

    out = client.post("/accounts/logout/")

    assert out.status_code == 302
    end = urlsplit(out["Location"])
    query = parse_qs(end.query)
    assert out["Location"].startswith(f"{bank.issuer}/session/end")
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"] and query["client_id"] == ["efactura-test"]
    assert client.get("/payable/").status_code == 302
    assert not BankSession.objects.exists()
    # At the bank: confirm, and the provider sends the browser back to the login page.
    confirm = browser.get(out["Location"], timeout=10)
    action = confirm.text.split('action="', 1)[1].split('"', 1)[0]
    xsrf = confirm.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    done = browser.post(
        requests.compat.urljoin(confirm.url, action),
        data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.headers["Location"].startswith("http://testserver/accounts/login/")
    # The bank session is over: the next E-INVOICE click asks for the password again.
    again = client.get("/sso/login")
    assert "Sign in to online banking" in browser.get(again["Location"], timeout=10).text


def test_logout_can_leave_the_bank_session_open(
    bank: Bank, client: Any, customer: Any, settings: Any
) -> None:
    settings.EFACTURA_OIDC_PROVIDER_LOGOUT = False
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    sign_in(client, ANA)

    out = client.post("/accounts/logout/")

    assert out["Location"] == "/accounts/login/"
    assert client.get("/payable/").status_code == 302


# -- Passwords for bank customers -------------------------------------------------------------


def test_bank_customers_use_a_password_only_when_allowed(
    bank: Bank, client: Any, customer: Any, settings: Any
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    sign_in(client, ANA)
    client.logout()
    user = BankIdentity.objects.get(subject=ANA.sub).user
    user.set_password("A-Good-Pass-2026")
    user.save()
    form = {"username": user.email, "password": "A-Good-Pass-2026"}

    assert client.post("/accounts/login/", form).status_code == 200  # refused: form again

    settings.EFACTURA_OIDC_PASSWORD_LOGIN = True
    assert client.post("/accounts/login/", form).status_code == 302


def test_local_password_login_keeps_working(client: Any, make_user: Any, customer: Any) -> None:
    make_user("local@example.com", customer)

    done = client.post(
        "/accounts/login/", {"username": "local@example.com", "password": "pw-Secret-123"}
    )

    assert done.status_code == 302


# -- Back-channel logout -------------------------------------------------------------------------


def _logout_token(bank: Bank, **claims: Any) -> str:
    from joserfc import jwt

    now = int(time.time())
    body = {
        "iss": bank.issuer,
        "aud": "efactura-test",
        "iat": now,
        "exp": now + 120,
        "jti": f"logout-{now}",
        "sub": ANA.sub,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    } | claims
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": bank.key.kid, "typ": "logout+jwt"}, body, bank.key)


@pytest.mark.parametrize(
    "changes",
    [
        {"events": None},
        {"nonce": "n-1"},
        {"aud": "someone-else"},
        {"iss": "https://other.example"},
        {"sub": None},
        {"iat": None},
    ],
    ids=["no-event", "nonce", "audience", "issuer", "no-subject", "no-iat"],
)
def test_an_invalid_back_channel_logout_token_is_refused(
    bank: Bank, client: Any, customer: Any, changes: dict[str, Any]
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    sign_in(client, ANA)
    other = Client()

    refused = other.post(
        "/sso/backchannel-logout", {"logout_token": _logout_token(bank, **changes)}
    )

    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_request"}
    assert client.get("/payable/").status_code == 200
    assert other.post("/sso/backchannel-logout", {"logout_token": "not-a-jwt"}).status_code == 400


def test_a_back_channel_logout_ends_the_subjects_sessions(
    bank: Bank, client: Any, customer: Any
) -> None:
    do_enrol(company=customer, subject=ANA.sub, role="admin")
    sign_in(client, ANA)

    done = Client().post("/sso/backchannel-logout", {"logout_token": _logout_token(bank)})

    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    assert client.get("/payable/").status_code == 302
    assert AuditEntry.objects.filter(action="sso.session.ended").exists()
