"""The copy of every invoice, and its statuses, to the AEAT's public e-invoicing solution
(SPFE, RD 238/2026): an outbound queue, one adapter module, a local simulator."""
