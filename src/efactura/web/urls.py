"""URLs of the web shell and authentication pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from efactura.verifactu import views as verifactu_views
from efactura.web import (
    views,
    views_bulk,
    views_certificates,
    views_dashboard,
    views_imports,
    views_invoices,
    views_payments,
    views_registration,
    views_setup,
    views_setup_bank,
    views_statuses,
    views_webhooks,
)

app_name = "web"

urlpatterns = [
    path("", views_dashboard.home, name="home"),
    path("payable/", views_invoices.payable, name="payable"),
    path("payable/export.csv", views_invoices.payable_csv, name="payable_csv"),
    path("issued/", views_invoices.issued, name="issued"),
    path("issued/export.csv", views_invoices.issued_csv, name="issued_csv"),
    path("issued/new/", views_invoices.invoice_new, name="invoice_new"),
    path("issued/new/preview/", views_invoices.invoice_preview, name="invoice_preview"),
    path("customers/search/", views_invoices.customer_search, name="customer_search"),
    path("issued/new/check-tax-id/", views_invoices.check_tax_id, name="check_tax_id"),
    path("payable/bulk/", views_bulk.payable_bulk, name="payable_bulk"),
    path("issued/bulk/", views_bulk.issued_bulk, name="issued_bulk"),
    path("payable/export.xlsx", views_bulk.payable_xlsx, name="payable_xlsx"),
    path("issued/export.xlsx", views_bulk.issued_xlsx, name="issued_xlsx"),
    path("payable/pay/", views_payments.pay, name="pay"),
    path("payable/payment-orders/<uuid:order_id>/", views_payments.order, name="payment_order"),
    path(
        "payable/payment-orders/<uuid:order_id>/pain001.xml",
        views_payments.order_file,
        name="payment_order_file",
    ),
    path(
        "payable/payment-orders/<uuid:order_id>/<slug:action>/",
        views_payments.order_action,
        name="payment_order_action",
    ),
    path("setup/series/", views_setup_bank.series, name="series"),
    path("setup/bank-accounts/", views_setup_bank.bank_accounts, name="bank_accounts"),
    path(
        "setup/bank-accounts/<int:account_id>/<slug:action>/",
        views_setup_bank.bank_account_action,
        name="bank_account_action",
    ),
    path("invoices/<uuid:invoice_id>/", views_invoices.invoice_detail, name="invoice"),
    path(
        "invoices/<uuid:invoice_id>/download/<slug:kind>/",
        views_invoices.invoice_download,
        name="invoice_download",
    ),
    path(
        "invoices/<uuid:invoice_id>/status/<slug:step>/",
        views_statuses.invoice_status_step,
        name="invoice_status_step",
    ),
    path(
        "invoices/<uuid:invoice_id>/<slug:action>/",
        views_invoices.invoice_action,
        name="invoice_action",
    ),
    path("import/", views_invoices.import_invoices, name="import"),
    path("import/<uuid:job_id>/", views_imports.import_job, name="import_job"),
    path("setup/notifications/", views_setup.setup_notifications, name="notifications"),
    path(
        "setup/notifications/<int:notification_id>/resend/",
        views_setup.notification_resend,
        name="notification_resend",
    ),
    path("setup/codes/", views_setup.setup_codes, name="codes"),
    path("setup/verifactu/", verifactu_views.setup_verifactu, name="verifactu"),
    path("setup/verifactu/check/", verifactu_views.check_verifactu, name="verifactu_check"),
    path("setup/verifactu/export/", verifactu_views.export_verifactu, name="verifactu_export"),
    path("setup/codes/action/", views_setup.code_action, name="code_action"),
    path("register/", views_registration.register, name="register"),
    path("setup/api-keys/", views.api_keys, name="api_keys"),
    path("setup/api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("setup/webhooks/", views_webhooks.webhooks, name="webhooks"),
    path(
        "setup/webhooks/<int:webhook_id>/delete/",
        views_webhooks.webhook_delete,
        name="webhook_delete",
    ),
    path("setup/certificates/", views_certificates.certificates, name="certificates"),
    path(
        "setup/certificates/upload/",
        views_certificates.certificate_upload,
        name="certificate_upload",
    ),
    path(
        "setup/certificates/<int:certificate_id>/remove/",
        views_certificates.certificate_remove,
        name="certificate_remove",
    ),
    path("setup/certificates/policy/", views_certificates.signing_policy, name="signing_policy"),
    path("help/", views.help_page, name="help"),
    path("company/switch/", views.switch_company, name="switch_company"),
    path("language/", views.set_language, name="set_language"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:email_id>/", views.outbox_email, name="outbox_email"),
    path("outbox/<int:email_id>/html/", views.outbox_email_html, name="outbox_email_html"),
]

# Authentication pages keep Django's standard names ("login", "password_reset" …) so
# Django's own views and the admin find them.
auth_patterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
