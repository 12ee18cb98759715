"""kraken's segmentation network run by ONNX Runtime on the CPU (the same lines, baselines and
text as kraken's own torch call, in less time), put in place by a version-checked
substitution; BARNACLE_ONNX_NETWORK=0 turns it off.
"""

from barnacle.ocr.fast_network.substitution import (
    DEFAULT,
    KRAKEN_VERSION,
    SWITCH,
    install,
    installed,
    uninstall,
)

__all__ = ["DEFAULT", "KRAKEN_VERSION", "SWITCH", "install", "installed", "uninstall"]
