"""Socialisation drives domain."""
