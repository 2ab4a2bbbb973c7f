"""Locale formats of the interface (``FORMAT_MODULE_PATH``): English uses British dates."""
