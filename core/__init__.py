"""Accounts, organizations and tenancy: the foundation the validation app builds on."""
