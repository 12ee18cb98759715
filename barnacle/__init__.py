"""Barnacle: IIIF collections to machine-readable text with Kraken OCR."""

__version__ = "0.1.0"
