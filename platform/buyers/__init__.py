"""Marketplace buyer accounts: one account on the platform site for shopping in every store."""
