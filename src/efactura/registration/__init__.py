"""Two-code registration of customers who are not on the platform yet (DESIGN.md, "Routing" 3).

An invoice addressed to a tax ID that no platform serves waits as *awaiting registration*.
The customer receives an invitation email carrying **code A**; the issuer generates **code B**
under Tools › Set-up › Manage codes and passes it on by another channel (telephone, letter).
Registering with the tax ID and both codes creates the company and its administrator and
releases every invoice waiting for that tax ID, from every issuer.

Codes are random (12 characters of a 32-symbol alphabet: 60 bits), stored only as an HMAC
bound to the tax ID, single use, expiring, compared in constant time, and guessing is stopped
by per-tax-ID and per-address lockouts (:mod:`efactura.registration.services`).
"""
