"""Where a faster way of running kraken's segmentation network takes the place of torch's default:
one narrow, version-checked substitution of `TorchVGSLModel.nn` in the engine's own
segmentation model.

kraken 7.1.1's `_compute_segmentation_map` calls `self.nn(image)` once a page and reads
`output, _` from it; `install` puts there either a `ChannelsLastNet` (the same network in
channels-last layout: on by default, it holds the contract) or, with BARNACLE_ONNX_NETWORK=1,
an `OnnxSegmentationNet` (the network exported to ONNX, run by ONNX Runtime: faster, but a
baseline may move 2 px). Only on the CPU, at full precision (32-true), for kraken 7.1.1;
otherwise kraken's own network runs untouched (and the log says why).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from barnacle.defaults import FULL_PRECISION
from barnacle.ocr.fast_network.channels_last import ChannelsLastNet
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
# 0 (off, no, false): the network in torch's default layout rather than channels-last.
CHANNELS_LAST_SWITCH = "BARNACLE_CHANNELS_LAST"
# On when the switch is not set: the same lines, baselines and text on all 12 pages.
CHANNELS_LAST_DEFAULT = True
ONNX = "onnxruntime"
CHANNELS_LAST = "channels-last"


def _switch(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value not in ("0", "off", "no", "false")


def enabled_by_environment() -> bool:
    """What BARNACLE_ONNX_NETWORK says, DEFAULT when it is unset or empty."""
    return _switch(SWITCH, DEFAULT)


def channels_last_by_environment() -> bool:
    """What BARNACLE_CHANNELS_LAST says, CHANNELS_LAST_DEFAULT when it is unset or empty."""
    return _switch(CHANNELS_LAST_SWITCH, CHANNELS_LAST_DEFAULT)


def _why_not(device: str, precision: str) -> str | None:
    """Why kraken's own network must run here, or None."""
    if device.strip().lower() != "cpu":
        return f"device {device} is not the CPU"
    if precision != FULL_PRECISION:
        return f"precision {precision} is not {FULL_PRECISION}"
    version = kraken_version()
    if version != KRAKEN_VERSION:
        return f"kraken {version} is not {KRAKEN_VERSION}"
    return None


def _onnxruntime_missing() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        log.warning(
            "ONNX Runtime asked for (%s) but not installed (pip install 'barnacle[onnx]')", SWITCH
        )
        return True
    return False


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
    channels_last: bool | None = None,
) -> str | None:
    """Put the faster network in place of each segmentation network of `segmenter` (kraken's
    SegmentationTaskModel) where it may run: ONNX Runtime when `enabled` (None: as
    BARNACLE_ONNX_NETWORK says; exported on the first page, or taken from `cache`/onnx where
    an earlier process kept it), else channels-last when `channels_last` (None: as
    BARNACLE_CHANNELS_LAST says); otherwise kraken's own. What runs now: 'onnxruntime',
    'channels-last' or None (kraken's own network)."""
    uninstall(segmenter)
    onnx = enabled_by_environment() if enabled is None else enabled
    layout = channels_last_by_environment() if channels_last is None else channels_last
    if not (onnx or layout):
        return None
    reason = _why_not(device, precision)
    if reason is not None:
        log.info("kraken's own segmentation network runs: %s", reason)
        return None
    if onnx and not _onnxruntime_missing():
        for model in segmenter.seg_models:
            model.nn = OnnxSegmentationNet(model.nn, _example(model.input), threads, cache)
        return ONNX
    if not layout:
        return None
    for model in segmenter.seg_models:
        model.nn = ChannelsLastNet(model.nn)
    return CHANNELS_LAST


def uninstall(segmenter: Any) -> None:
    """kraken's own networks back in place (nothing to do when they already are)."""
    for model in segmenter.seg_models:
        if isinstance(model.nn, OnnxSegmentationNet):
            model.nn = model.nn.net
        elif isinstance(model.nn, ChannelsLastNet):
            model.nn = model.nn.own()


def installed(segmenter: Any) -> str | None:
    """What runs every segmentation network of `segmenter`: 'onnxruntime', 'channels-last',
    or None (kraken's own)."""
    for kind, name in ((OnnxSegmentationNet, ONNX), (ChannelsLastNet, CHANNELS_LAST)):
        if all(isinstance(model.nn, kind) for model in segmenter.seg_models):
            return name
    return None
