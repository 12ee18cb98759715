"""Where ONNX Runtime takes the place of torch for kraken's segmentation network: one narrow,
version-checked substitution of `TorchVGSLModel.nn` in the engine's own segmentation model.

kraken 7.1.1's `_compute_segmentation_map` calls `self.nn(image)` once a page and reads
`output, _` from it; `install` puts an `OnnxSegmentationNet` there (the network exported to
ONNX, run by ONNX Runtime on the CPU). Only on the CPU, at full precision (32-true), for kraken
7.1.1, with onnxruntime installed, and as BARNACLE_ONNX_NETWORK says; otherwise kraken's own
network runs untouched (and the log says why). Off by default: see DEFAULT.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from barnacle.ocr.fast_network.onnx_net import OnnxSegmentationNet
from barnacle.ocr.identity import kraken_version

log = logging.getLogger(__name__)

# The kraken release whose network call the substitution matches.
KRAKEN_VERSION = "7.1.1"
# 1 (on, yes, true) or 0 (off, no, false): ONNX Runtime for the segmentation network.
SWITCH = "BARNACLE_ONNX_NETWORK"
# Whether it runs when the switch is not set. Off: on 1 of 12 pages (bench/bench_network.py) a
# baseline moved 2 px (same lines, same text), outside the contract of at most 1 px; ONNX
# Runtime's convolutions sum in another order than torch's (heatmaps within 1.2e-3).
DEFAULT = False


def enabled_by_environment() -> bool:
    """What BARNACLE_ONNX_NETWORK says, DEFAULT when it is unset or empty."""
    value = os.environ.get(SWITCH, "").strip().lower()
    if not value:
        return DEFAULT
    return value not in ("0", "off", "no", "false")


def _why_not(device: str, precision: str) -> str | None:
    """Why kraken's own network must run here, or None."""
    if device.strip().lower() != "cpu":
        return f"device {device} is not the CPU"
    if precision != "32-true":
        return f"precision {precision} is not 32-true"
    version = kraken_version()
    if version != KRAKEN_VERSION:
        return f"kraken {version} is not {KRAKEN_VERSION}"
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "onnxruntime is not installed (pip install 'barnacle[onnx]')"
    return None


def _example(shape: Any) -> Any:
    """A narrow blank page of the network's input height and channels, to trace it on."""
    import torch

    _, channels, height, _ = shape
    return torch.zeros(1, channels or 3, height or 1800, 256)


def install(
    segmenter: Any,
    device: str,
    precision: str,
    threads: int,
    enabled: bool | None = None,
    cache: Path | None = None,
) -> bool:
    """Put ONNX Runtime in place of each segmentation network of `segmenter` (kraken's
    SegmentationTaskModel) when it may run there (None: as the environment says); otherwise
    leave or put back kraken's own. True when ONNX Runtime runs the networks (exported on
    the first page, or taken from `cache`/onnx where an earlier process kept it; should the
    export fail, kraken's own network runs, with a warning)."""
    if enabled is None:
        enabled = enabled_by_environment()
    reason = _why_not(device, precision) if enabled else "it is switched off"
    if reason is not None:
        if enabled:
            log.warning("kraken's own segmentation network runs: %s", reason)
        uninstall(segmenter)
        return False
    for model in segmenter.seg_models:
        if not isinstance(model.nn, OnnxSegmentationNet):
            model.nn = OnnxSegmentationNet(model.nn, _example(model.input), threads, cache)
    return True


def uninstall(segmenter: Any) -> None:
    """kraken's own networks back in place (nothing to do when they already are)."""
    for model in segmenter.seg_models:
        if isinstance(model.nn, OnnxSegmentationNet):
            model.nn = model.nn.net


def installed(segmenter: Any) -> bool:
    """Whether ONNX Runtime runs every segmentation network of `segmenter`."""
    return all(isinstance(model.nn, OnnxSegmentationNet) for model in segmenter.seg_models)
