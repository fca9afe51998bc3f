"""The pages of accounts and organizations."""
