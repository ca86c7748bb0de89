"""The API of publication: the public, read-only figures (no sign-in, throttled per
address) and the SMT's publication choices."""
