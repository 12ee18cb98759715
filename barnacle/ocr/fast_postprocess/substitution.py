"""Where barnacle's faster post-processing takes the place of kraken's: one narrow, version-
checked substitution in `kraken.lib.segmentation`.

kraken 7.1.1's `vectorize_lines` reads the ridge filter as `filters.sato` from that module's
global `filters` (skimage.filters; nothing else there uses it), and
`calculate_polygonal_environment` calls the module's `_calc_roi` and `_extract_patch` for each
line, and `_extend_boundaries` its `boundary_tracing` for each baseline blob. `install` puts a
stand-in for `filters` there whose `sato`, for exactly the call kraken makes, runs barnacle's
equivalent filter (otherwise skimage's), and barnacle's `calc_roi`, `extract_patch` and
`boundary_tracing` in place of kraken's.
For any other kraken version, or with BARNACLE_FAST_POSTPROCESS=0, kraken's own code runs
untouched (and the log says why).
"""

from __future__ import annotations

import logging
import os
from types import ModuleType
from typing import Any

import numpy as np

from barnacle.defaults import DEVICE
from barnacle.ocr.fast_postprocess.blob_boundary import boundary_tracing
from barnacle.ocr.fast_postprocess.line_region import calc_roi
from barnacle.ocr.fast_postprocess.line_seams import extract_patch
from barnacle.ocr.fast_postprocess.ridge_filter import sato_white_ridges
from barnacle.ocr.identity import kraken_version

log = logging.getLogger(__name__)

# The kraken release whose post-processing barnacle's reimplementation matches.
KRAKEN_VERSION = "7.1.1"
# Set to 0 (or off, no, false) to run kraken's own post-processing.
SWITCH = "BARNACLE_FAST_POSTPROCESS"
# kraken's own functions while barnacle's stand in for them.
_KRAKEN_OWN: dict[str, Any] = {}
# kraken.lib.segmentation's functions (line regions, seams, blob boundaries) and barnacle's
# equivalents.
_STEPS = {
    "_calc_roi": calc_roi,
    "_extract_patch": extract_patch,
    "boundary_tracing": boundary_tracing,
}


class RidgeFilters:
    """skimage.filters, except that kraken's ridge-filter call runs on `device`."""

    def __init__(self, filters: ModuleType, device: str) -> None:
        self.original = filters
        self.device = device

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)

    def sato(self, image: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        """kraken's call `sato(map, black_ridges=False, mode='constant')` on a 2-D map goes
        to barnacle's filter; any other call to skimage's."""
        if args or kwargs != {"black_ridges": False, "mode": "constant"} or image.ndim != 2:
            return np.asarray(self.original.sato(image, *args, **kwargs))
        return sato_white_ridges(image, self.device)


def enabled_by_environment() -> bool:
    """False when BARNACLE_FAST_POSTPROCESS says 0/off/no/false, else True."""
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")


def install(device: str = DEVICE, enabled: bool | None = None) -> bool:
    """Put barnacle's ridge filter (on `device`), line regions, seams and blob boundaries into
    kraken's baseline post-processing for this process when kraken is 7.1.1 and it is enabled
    (None: as the environment says); otherwise leave or put back kraken's own. True when
    barnacle's are in place."""
    from kraken.lib import segmentation

    if enabled is None:
        enabled = enabled_by_environment()
    version = kraken_version()
    if not enabled or version != KRAKEN_VERSION:
        if enabled:
            log.info(
                "kraken %s is not %s: its own post-processing runs (slower)",
                version,
                KRAKEN_VERSION,
            )
        uninstall()
        return False
    current = segmentation.filters
    original = current.original if isinstance(current, RidgeFilters) else current
    segmentation.filters = RidgeFilters(original, device)
    for name, ours in _STEPS.items():
        if getattr(segmentation, name) is not ours:
            _KRAKEN_OWN[name] = getattr(segmentation, name)
            setattr(segmentation, name, ours)
    return True


def uninstall() -> None:
    """kraken's own ridge filter, line regions, seams and blob boundaries back in place
    (nothing to do when they already are)."""
    from kraken.lib import segmentation

    current = segmentation.filters
    if isinstance(current, RidgeFilters):
        segmentation.filters = current.original
    for name in _STEPS:
        if name in _KRAKEN_OWN:
            setattr(segmentation, name, _KRAKEN_OWN.pop(name))


def installed() -> bool:
    """Whether barnacle's ridge filter, line regions, seams and blob boundaries are what
    kraken calls now."""
    from kraken.lib import segmentation

    return isinstance(segmentation.filters, RidgeFilters) and all(
        getattr(segmentation, name) is ours for name, ours in _STEPS.items()
    )
