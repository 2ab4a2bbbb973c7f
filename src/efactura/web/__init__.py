"""Server-rendered pages: the web shell of the product (thin views calling services)."""
