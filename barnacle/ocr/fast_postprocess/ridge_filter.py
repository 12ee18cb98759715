"""The multi-scale Sato ridge filter of kraken's baseline vectorisation, as float32 matrix
products on the page process's torch device.

kraken 7.1.1's `vectorize_lines` calls `skimage.filters.sato(heatmap, black_ridges=False,
mode='constant')` (sigmas 1, 3, 5, 7, 9) and keeps only `ridges > threshold`. skimage builds
each Hessian from ten 1-D Gaussian(-derivative) correlations per sigma (scipy's
`gaussian_filter1d`, zero padding, the result cut back to the image after every pass). Here
every pass is the same correlation with the same weights and the same zero padding and cut,
done as one blocked banded-matrix product (torch `matmul`): the values agree with skimage's to
float32 rounding (about 1e-7), and the thresholded ridge map is the same.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from barnacle.defaults import DEVICE

if TYPE_CHECKING:
    import torch

# skimage.filters.sato's default scales.
SIGMAS = (1, 3, 5, 7, 9)
# Output columns per block of the banded product (speed only; any size gives the same values).
_BLOCK = 64
# Weights smaller than this fraction of a kernel's largest add nothing a float32 result holds.
_NEGLIGIBLE = 1e-10


def gaussian_weights(sigma: float, order: int, radius: int) -> np.ndarray:
    """The correlation weights scipy's `gaussian_filter1d(sigma, order, truncate)` applies
    (order 0: the normalised Gaussian, order 1: its first derivative, mirrored as scipy does),
    without the tails too small to change a float32 result."""
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    phi /= phi.sum()
    weights = phi if order == 0 else (-x / (sigma * sigma) * phi)[::-1]
    kept = np.nonzero(np.abs(weights) > _NEGLIGIBLE * np.abs(weights).max())[0]
    reach = int(max(radius - kept.min(), kept.max() - radius))
    return np.ascontiguousarray(weights[radius - reach : radius + reach + 1])


def _scale_kernels(sigma: int) -> tuple[np.ndarray, np.ndarray]:
    """(smoothing, derivative) weights of skimage's Gaussian-derivative Hessian at `sigma`:
    scale sigma/sqrt(2), truncated at 8 scales (100 when sigma <= 1, as skimage does)."""
    truncate = 8 if sigma > 1 else 100
    scaled = sigma / math.sqrt(2)
    radius = int(truncate * scaled + 0.5)
    return gaussian_weights(scaled, 0, radius), gaussian_weights(scaled, 1, radius)


@lru_cache(maxsize=64)
def _banded(weights: bytes, block: int, device: str) -> torch.Tensor:
    """The (block + 2r) x block matrix that correlates a window of a padded row with the
    weights: column i holds the weights at rows i .. i + 2r."""
    import torch

    w = torch.from_numpy(np.frombuffer(weights, dtype=np.float64).copy())
    span = w.numel()
    rows = torch.arange(block + span - 1).unsqueeze(1)
    offset = rows - torch.arange(block).unsqueeze(0)
    inside = (offset >= 0) & (offset < span)
    matrix = torch.where(inside, w[offset.clamp(0, span - 1)], torch.zeros(()))
    return matrix.to(dtype=torch.float32, device=device)


def correlate_rows(values: torch.Tensor, weights: np.ndarray) -> torch.Tensor:
    """Each row of the 2-D `values` correlated with `weights` (odd length), zero outside the
    row, same length out: scipy's `correlate1d(mode='constant')` along the last axis."""
    import torch

    height, width = values.shape
    reach = (len(weights) - 1) // 2
    blocks = -(-width // _BLOCK)
    padded = torch.zeros(
        (height, blocks * _BLOCK + 2 * reach), dtype=values.dtype, device=values.device
    )
    padded[:, reach : reach + width] = values
    windows = padded.as_strided((height, blocks, _BLOCK + 2 * reach), (padded.stride(0), _BLOCK, 1))
    matrix = _banded(weights.tobytes(), _BLOCK, str(values.device))
    return torch.matmul(windows, matrix).reshape(height, blocks * _BLOCK)[:, :width]


def _hessian_tubeness(image: torch.Tensor, sigma: int) -> torch.Tensor:
    """sigma^2 times the largest eigenvalue of the Hessian of `-image` at `sigma`, clipped
    at 0: skimage's Sato measure for white ridges at one scale."""
    smooth, derive = _scale_kernels(sigma)
    columns = image.t().contiguous()  # passes along axis 0 run on the transposed image
    along_rows = correlate_rows(columns, derive)
    rr = correlate_rows(along_rows, derive).t().contiguous()
    rc = correlate_rows(along_rows, smooth).t().contiguous()
    cc = correlate_rows(correlate_rows(columns, smooth), smooth).t().contiguous()
    h_rr = correlate_rows(correlate_rows(rr, smooth), smooth)
    h_rc = correlate_rows(correlate_rows(rc, smooth), derive)
    h_cc = correlate_rows(correlate_rows(cc, derive), derive)
    # The Hessian of -image is minus this one; its largest eigenvalue:
    largest = -(h_rr + h_cc) / 2 + ((h_rc**2 + ((h_rr - h_cc) / 2) ** 2).sqrt())
    return (sigma**2) * largest.clamp_min(0)


def sato_white_ridges(image: np.ndarray, device: str = DEVICE) -> np.ndarray:
    """`skimage.filters.sato(image, black_ridges=False, mode='constant')` of a 2-D map, in
    float32, computed on `device` ('cpu' or 'cuda[:N]')."""
    import torch

    precision = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")  # no TF32/bf16 shortcuts in the products
    try:
        with torch.inference_mode():
            values = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
            values = values.to(device)
            ridges = torch.zeros_like(values)
            for sigma in SIGMAS:
                ridges = torch.maximum(ridges, _hessian_tubeness(values, sigma))
            return ridges.cpu().numpy()
    finally:
        torch.set_float32_matmul_precision(precision)
