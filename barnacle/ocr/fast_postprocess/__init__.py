"""Faster, equivalent replacements for the hot parts of kraken 7.1.1's baseline post-processing
(the Sato ridge filter and blob boundaries of `vectorize_lines`, the per-line region and seams
of `calculate_polygonal_environment`), put in place by a version-checked substitution.

Same lines, baselines and text as kraken's own code; BARNACLE_FAST_POSTPROCESS=0 turns it off.
"""

from barnacle.ocr.fast_postprocess.ridge_filter import sato_white_ridges
from barnacle.ocr.fast_postprocess.substitution import (
    KRAKEN_VERSION,
    SWITCH,
    install,
    installed,
    uninstall,
)

__all__ = ["KRAKEN_VERSION", "SWITCH", "install", "installed", "sato_white_ridges", "uninstall"]
