"""The REST API for management programmes (ERPs): ``/api/v1/``.

Thin handlers (:mod:`efactura.api.handlers`) authenticate the API key, apply the limits, parse
the request and call one service; errors are RFC 9457 problem documents.  Webhooks, idempotency
records and acknowledgements of received invoices live here too.  See ``docs/api.md``.
"""
