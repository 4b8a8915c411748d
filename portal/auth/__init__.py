"""Sign-in, sign-out, access requests, password set and reset, the TOTP second factor."""
