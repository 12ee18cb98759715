"""Barnacle's device names ('cpu', 'cuda', 'cuda:N') to kraken 7's (accelerator, device) pair.

kraken 7 hands both to Lightning Fabric: the CPU is `accelerator='cpu', device='auto'`
(`device='cpu'` raises), and GPU N is `accelerator='gpu', device=[N]`.
"""

from __future__ import annotations

import re

from barnacle.ocr.errors import OcrError

_CUDA = re.compile(r"^cuda(?::(?P<index>\d+))?$")


def kraken_device(device: str) -> tuple[str, str | list[int]]:
    """The (accelerator, device) arguments kraken's inference configs expect for `device`."""
    name = device.strip().lower()
    if name == "cpu":
        return "cpu", "auto"
    match = _CUDA.match(name)
    if match is None:
        raise OcrError(f"unknown device {device!r}: use 'cpu', 'cuda' or 'cuda:N'")
    return "gpu", [int(match["index"] or 0)]


def check_device_available(device: str) -> None:
    """Raise OcrError when `device` names a GPU this process cannot use."""
    accelerator, devices = kraken_device(device)
    if accelerator != "gpu":
        return
    import torch

    index = devices[0] if isinstance(devices, list) else 0
    if not torch.cuda.is_available():
        raise OcrError(f"device {device!r} requested but CUDA is not available here")
    if index >= torch.cuda.device_count():
        raise OcrError(
            f"device {device!r} requested but only {torch.cuda.device_count()} GPU(s) are visible"
        )


def check_precision(precision: str) -> str | None:
    """None when kraken knows `precision`, else a message naming its choices."""
    from kraken.registry import PRECISIONS

    if precision in PRECISIONS:
        return None
    return f"unknown --precision {precision!r}: use one of {', '.join(PRECISIONS)}"
