"""Every figure a page, export, the public board or the API shows, and the derived tables behind them.

Reads domain models only; see docs/architecture.md.
"""
