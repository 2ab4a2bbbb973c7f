"""VERI*FACTU: billing records for the invoices the platform issues, their chain, QR code and
submission to the AEAT (RD 1007/2023, Orden HAC/1177/2024)."""
