"""barnacle's blob boundary trace against kraken 7.1.1's own `boundary_tracing`: every blob of
the thresholded ridge maps of a cached network output and of synthetic pages, plus blobs that
make kraken's trace fail; and the substitution putting it in kraken's place and back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from skimage.measure import label, regionprops

from barnacle.ocr import fast_postprocess
from barnacle.ocr.fast_postprocess import sato_white_ridges
from barnacle.ocr.fast_postprocess.blob_boundary import boundary_tracing
from tests.test_fast_postprocess import THRESHOLD, network_output, synthetic_heatmap

from support.torch_threads import one_torch_thread


@pytest.fixture(autouse=True)
def kraken_own_after() -> Iterator[None]:
    """One torch thread, as a page process has; kraken's own functions back in place after."""
    with one_torch_thread():
        yield
    fast_postprocess.uninstall()


def traced(trace: Any, region: Any) -> Any:
    """The boundary, or the type of what the trace raises (kraken logs and skips the blob)."""
    try:
        found = trace(region)
    except Exception as error:  # noqa: BLE001 - compared by type with kraken's
        return type(error)
    return found.dtype.kind, found.tolist()


def test_blob_boundaries_match_kraken() -> None:
    from kraken.lib import segmentation

    maps = [network_output()] + [synthetic_heatmap(seed) for seed in range(1, 6)]
    compared = 0
    for heatmap in maps:
        blobs = label(sato_white_ridges(heatmap[2]) > THRESHOLD)
        for region in regionprops(blobs):
            if region.area >= 6:  # kraken skips smaller ones
                assert traced(boundary_tracing, region) == traced(
                    segmentation.boundary_tracing, region
                )
                compared += 1
    assert compared >= 20


@pytest.mark.parametrize(
    "pixels",
    [
        [(1, 1), (1, 2), (2, 2), (3, 3), (3, 4), (4, 4)],  # diagonal steps
        [(1, 1), (1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2), (3, 3)],  # a ring
        [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5)],  # one row at the map's edge
        [(2, 2), (5, 5), (5, 6), (6, 5), (6, 6), (6, 7)],  # an isolated pixel first
    ],
)
def test_small_blobs_match_kraken(pixels: list[tuple[int, int]]) -> None:
    from kraken.lib import segmentation

    image = np.zeros((9, 9), dtype=int)
    for row, col in pixels:
        image[row, col] = 1
    (region,) = regionprops(image)
    assert traced(boundary_tracing, region) == traced(segmentation.boundary_tracing, region)


def test_substitution_puts_the_trace_in_place_and_back() -> None:
    from kraken.lib import segmentation

    own = segmentation.boundary_tracing
    assert fast_postprocess.install("cpu", enabled=True)
    assert segmentation.boundary_tracing is boundary_tracing
    fast_postprocess.uninstall()
    assert segmentation.boundary_tracing is own
