"""kraken's segmentation network run by ONNX Runtime on the CPU (about 1.3x faster than torch's
call on one thread; the same lines and text, but a baseline may move 2 px), put in place by a
version-checked substitution when BARNACLE_ONNX_NETWORK=1 (off by default).
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
