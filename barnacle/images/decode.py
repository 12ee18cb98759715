"""Decoding images with Pillow under an explicit pixel limit (the decompression-bomb guard).

`MAX_IMAGE_PIXELS` is read at call time, so tests and callers may lower or raise it
(`set_max_image_pixels`). Barnacle checks the pixel count itself, and also keeps Pillow's
global at or below it: importing `kraken.kraken` or `kraken.ketos` raises Pillow's global
to 20000**2, so it is pulled back down before each decode.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from barnacle.images.errors import ImageError

MAX_IMAGE_PIXELS: int = 100_000_000  # 100 Mpx: a 10000 x 10000 scan; far above any OCR request
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def set_max_image_pixels(limit: int) -> None:
    """Change the pixel limit for this process (Barnacle's check and Pillow's)."""
    global MAX_IMAGE_PIXELS
    if limit <= 0:
        raise ValueError("the pixel limit must be positive")
    MAX_IMAGE_PIXELS = limit
    Image.MAX_IMAGE_PIXELS = limit


BOMB_FIX = "decompression bomb guard; if the image is genuine, raise --max-image-pixels"


def _bomb(url: str, width: int, height: int, limit: int) -> ImageError:
    return ImageError(
        url,
        f"image is {width}x{height} = {width * height} pixels, above the limit of {limit} "
        f"({BOMB_FIX})",
        kind="bomb",
    )


def _pillow_bomb(url: str, err: Exception, limit: int) -> ImageError:
    """Pillow refuses at open (before the size is ours) an image of over twice its limit."""
    found = re.search(r"\((\d+) pixels\)", str(err))
    pixels = f"{found.group(1)} pixels" if found else f"too many pixels ({err})"
    return ImageError(
        url, f"image is {pixels}, above the limit of {limit} ({BOMB_FIX})", kind="bomb"
    )


def open_image(path: Path, url: str, *, load: bool = True) -> Image.Image:
    """Open `path` (downloaded from `url`) with Pillow, refusing bombs and broken files.

    With `load=True` every pixel is decoded, so a truncated file fails here; with
    `load=False` only the header is read (enough for the size). Raises ImageError.
    """
    limit = MAX_IMAGE_PIXELS
    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > limit:
        Image.MAX_IMAGE_PIXELS = limit  # someone (kraken's CLI modules) raised or removed it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            width, height = image.size
            if width * height > limit:
                image.close()
                raise _bomb(url, width, height, limit)
            if load:
                image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _pillow_bomb(url, err, Image.MAX_IMAGE_PIXELS or limit) from err
    except UnidentifiedImageError as err:
        raise ImageError(url, "not an image format Pillow can read", kind="corrupt") from err
    except (OSError, SyntaxError, ValueError) as err:
        # Pillow reports truncated or damaged data as OSError ("image file is truncated")
        raise ImageError(url, f"image cannot be decoded ({err})", kind="corrupt") from err
    return image


def image_size(path: Path, url: str) -> tuple[int, int]:
    """Width and height from the header only (for files already verified)."""
    image = open_image(path, url, load=False)
    with image:
        return image.size
