"""Promoters domain."""
