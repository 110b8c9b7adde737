"""Sponsored placement: a store's campaigns promoting chosen products in the cross-store directory."""
