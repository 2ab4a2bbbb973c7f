"""People who log in: the custom user model (email is the login name)."""
