"""Tracked survey links: QR codes, flyers, the scan redirect and its fast path."""
