"""``EFACTURA_OIDC_*`` settings: defaults, and one clear sentence for each bad value."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from efactura.sso.config import from_environment

BASE = {
    "EFACTURA_OIDC_ISSUER": "https://login.banco.example/",
    "EFACTURA_OIDC_CLIENT_ID": "efactura",
    "EFACTURA_OIDC_CLIENT_SECRET": "s3cret",
}


def test_unset_means_no_single_sign_on() -> None:
    values = from_environment({}, production=False)

    assert values["EFACTURA_OIDC_ISSUER"] == ""
    assert values["EFACTURA_OIDC_SCOPES"] == "openid profile email"
    assert values["EFACTURA_OIDC_PASSWORD_LOGIN"] is False
    assert values["EFACTURA_OIDC_PROVIDER_LOGOUT"] is True


def test_a_full_configuration_is_read() -> None:
    values = from_environment(
        BASE
        | {
            "EFACTURA_OIDC_SCOPES": "openid, profile efactura",
            "EFACTURA_OIDC_COMPANIES_CLAIM": "company_tax_ids",
            "EFACTURA_OIDC_COMPANIES_ROLE": "accountant",
            "EFACTURA_OIDC_NATIONAL_ID_CLAIM": "dni",
            "EFACTURA_OIDC_PASSWORD_LOGIN": "1",
            "EFACTURA_OIDC_PROVIDER_LOGOUT": "0",
            "EFACTURA_OIDC_TOKEN_AUTH_METHOD": "client_secret_post",
        },
        production=True,
    )

    assert values["EFACTURA_OIDC_ISSUER"] == "https://login.banco.example"
    assert values["EFACTURA_OIDC_SCOPES"] == "openid profile efactura"
    assert values["EFACTURA_OIDC_COMPANIES_CLAIM"] == "company_tax_ids"
    assert values["EFACTURA_OIDC_COMPANIES_ROLE"] == "accountant"
    assert values["EFACTURA_OIDC_NATIONAL_ID_CLAIM"] == "dni"
    assert values["EFACTURA_OIDC_PASSWORD_LOGIN"] is True
    assert values["EFACTURA_OIDC_PROVIDER_LOGOUT"] is False
    assert values["EFACTURA_OIDC_TOKEN_AUTH_METHOD"] == "client_secret_post"


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"EFACTURA_OIDC_ISSUER": "login.banco.example"}, "EFACTURA_OIDC_ISSUER must be"),
        ({"EFACTURA_OIDC_CLIENT_SECRET": ""}, "needs EFACTURA_OIDC_CLIENT_ID and"),
        ({"EFACTURA_OIDC_SCOPES": "profile email"}, "must include openid"),
        ({"EFACTURA_OIDC_TOKEN_AUTH_METHOD": "none"}, "EFACTURA_OIDC_TOKEN_AUTH_METHOD must"),
        ({"EFACTURA_OIDC_COMPANIES_ROLE": "owner"}, "EFACTURA_OIDC_COMPANIES_ROLE must"),
        ({"EFACTURA_OIDC_COMPANIES_CLAIM": "two words"}, "must be a claim name"),
        ({"EFACTURA_OIDC_CLOCK_SKEW": "-1"}, "EFACTURA_OIDC_CLOCK_SKEW must be"),
        ({"EFACTURA_OIDC_PASSWORD_LOGIN": "maybe"}, "EFACTURA_OIDC_PASSWORD_LOGIN must be"),
    ],
)
def test_bad_values_name_the_variable(changes: dict[str, str], sentence: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=sentence):
        from_environment(BASE | changes, production=False)


def test_production_needs_https() -> None:
    with pytest.raises(ImproperlyConfigured, match="https in production"):
        from_environment(
            BASE | {"EFACTURA_OIDC_ISSUER": "http://login.banco.example"}, production=True
        )
