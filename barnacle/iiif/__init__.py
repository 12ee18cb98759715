"""IIIF Presentation 2.1 and 3.0 models, version detection and Image API URLs.

No HTTP and no files here: this package turns JSON into models and models into URLs.
"""

from barnacle.iiif.errors import IIIFError
from barnacle.iiif.image_api import (
    ImageInfo,
    ImageRequest,
    ImageService,
    check_size,
    clamp_size,
)
from barnacle.iiif.labels import best_label
from barnacle.iiif.load import detect_version, manifest_from_json, parse_resource
from barnacle.iiif.pages import ManifestPages, MemberRef, PageImage

__all__ = [
    "IIIFError",
    "ImageInfo",
    "ImageRequest",
    "ImageService",
    "ManifestPages",
    "MemberRef",
    "PageImage",
    "best_label",
    "check_size",
    "clamp_size",
    "detect_version",
    "manifest_from_json",
    "parse_resource",
]
