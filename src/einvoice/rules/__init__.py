"""Business rules: official EN 16931 / Peppol artefacts and Spanish rules written by us.

* :mod:`einvoice.rules.official` runs the official compiled Schematron artefacts (vendored
  unchanged in ``artefacts/``, provenance in ``PROVENANCE.md``) with Saxon.
* :mod:`einvoice.rules.spain` checks the canonical model against Spanish law and Facturae
  arithmetic (tax IDs, totals, withholdings, dates, corrective invoices, batches).
* :mod:`einvoice.rules.messages_es` holds the Spanish sentences for the official rule ids.

Every rule returns :class:`~einvoice.errors.Violation` objects with a stable rule id; the
pipeline that chains them is :func:`einvoice.validation.validate`.
"""
