"""Imports domain: uploads kept in the database between preview and confirm."""
