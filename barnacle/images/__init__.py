"""Page images through a shared on-disk cache: info.json limits, downloads, decoding.

Decides nothing about which images to fetch; the caller passes URLs and requests.
The pixel limit lives in `barnacle.images.decode.MAX_IMAGE_PIXELS` (use set_max_image_pixels).
"""

from barnacle.images.cache import ImageCache, url_key
from barnacle.images.decode import open_image, set_max_image_pixels
from barnacle.images.download import MAX_IMAGE_BYTES, FetchedImage, fetch_image
from barnacle.images.errors import ImageError
from barnacle.images.info import (
    SizedRequest,
    clear_info_memo,
    get_image_info,
    size_page_request,
    size_request,
)
from barnacle.images.page_image import PageImageResult, fetch_page_image

__all__ = [
    "MAX_IMAGE_BYTES",
    "FetchedImage",
    "ImageCache",
    "ImageError",
    "PageImageResult",
    "SizedRequest",
    "clear_info_memo",
    "fetch_image",
    "fetch_page_image",
    "get_image_info",
    "open_image",
    "set_max_image_pixels",
    "size_page_request",
    "size_request",
    "url_key",
]
