"""The one error type the IIIF room raises for JSON it cannot use."""


class IIIFError(ValueError):
    """A document that is not a usable IIIF Manifest or Collection."""
