"""The one error type barnacle.iiif raises for JSON it cannot use."""


class IIIFError(ValueError):
    """A document that is not a usable IIIF Manifest or Collection."""
