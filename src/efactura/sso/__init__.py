"""Sign-in from online banking: efactura as an OpenID Connect relying party of the bank."""
