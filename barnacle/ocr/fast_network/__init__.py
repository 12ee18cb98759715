"""kraken's segmentation network run faster on the CPU, put in place by a version-checked
substitution: in channels-last layout by default (the same lines, baselines and text; 3-7 %
faster), or by ONNX Runtime with BARNACLE_ONNX_NETWORK=1 (1.2-1.3x faster; the same lines and
text, but a baseline may move 2 px, so off by default). BARNACLE_CHANNELS_LAST=0 runs kraken's
own network as it is.
"""

from barnacle.ocr.fast_network.substitution import (
    CHANNELS_LAST,
    CHANNELS_LAST_SWITCH,
    DEFAULT,
    KRAKEN_VERSION,
    ONNX,
    SWITCH,
    install,
    installed,
    uninstall,
)

__all__ = [
    "CHANNELS_LAST",
    "CHANNELS_LAST_SWITCH",
    "DEFAULT",
    "KRAKEN_VERSION",
    "ONNX",
    "SWITCH",
    "install",
    "installed",
    "uninstall",
]
