"""barnacle's line seams (`extract_patch`, `calc_seams`) against kraken 7.1.1's own
`_extract_patch` and `_calc_seam`: every line of a cached network output and of synthetic
pages, baselines at the bottom, the top and the centre of the line; and the substitution
putting them in kraken's place and back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import shapely.geometry as geom

from barnacle.ocr import fast_postprocess
from barnacle.ocr.fast_postprocess.line_seams import (
    MASK_VAL,
    calc_seams,
    extract_patch,
    nearest_samples,
)
from tests.test_fast_postprocess import (
    kraken_lines,
    network_output,
    page_features,
    synthetic_heatmap,
)


@pytest.fixture(autouse=True)
def kraken_own_after() -> Iterator[None]:
    yield
    fast_postprocess.uninstall()


def line_inputs(
    heatmap: np.ndarray, topline: bool | None, bounds: np.ndarray
) -> Iterator[tuple[Any, ...]]:
    """The arguments kraken's calculate_polygonal_environment gives `_extract_patch` for each
    line of the heatmap (its own `_calc_roi` for the region)."""
    from kraken.lib import segmentation

    baselines = kraken_lines(heatmap)
    for i, line in enumerate(baselines):
        offset = 8 if topline is not None else 0
        string = geom.LineString(line)
        offset_line = string.parallel_offset(offset, side="left" if topline else "right")
        points = np.array(string.coords, dtype=float)
        lengths = np.linalg.norm(np.diff(points.T), axis=0)
        p_dir = np.mean(np.diff(points.T) * lengths / lengths.sum(), axis=1)
        p_dir = p_dir / np.sqrt(np.sum(p_dir**2))
        others = baselines[:i] + baselines[i + 1 :]
        env_up, env_bottom = segmentation._calc_roi(points, bounds, others, [], p_dir)
        offset_points = np.array(offset_line.coords, dtype=float).astype("int")
        end_points = (line[0], line[-1])
        yield (env_up, env_bottom, points.astype("int"), offset_points, end_points, p_dir)


def outcome(call: Any, *args: Any) -> Any:
    """What a call returns, or the type of what it raises (kraken logs and skips those)."""
    try:
        return np.asarray(call(*args)).tolist()
    except Exception as error:  # noqa: BLE001 - compared by type with kraken's
        return type(error)


@pytest.mark.parametrize("topline", [False, True, None])
@pytest.mark.parametrize("source", ["network", "synthetic-4", "synthetic-8"])
def test_line_polygons_match_kraken(source: str, topline: bool | None) -> None:
    from kraken.lib import segmentation

    heatmap = network_output() if source == "network" else synthetic_heatmap(int(source[-1]))
    feats = page_features(heatmap.shape[1:])
    bounds = np.array(feats.shape[::-1], dtype=float) - 1
    offset = 8 if topline is not None else 0
    compared = 0
    for env_up, env_bottom, line, offset_line, ends, p_dir in line_inputs(heatmap, topline, bounds):
        args = (env_up, env_bottom, line, offset_line, ends, p_dir, topline, offset, feats, bounds)
        expected = outcome(segmentation._extract_patch, *args)
        assert outcome(extract_patch, *args) == expected
        compared += not isinstance(expected, type)
    assert compared >= 4


def test_seams_carved_together_match_each_alone() -> None:
    """Several seams of different widths and heights carved in one pass: each the same as
    kraken's `_calc_seam` on its own."""
    from kraken.lib import segmentation

    heatmap = network_output()
    feats = page_features(heatmap.shape[1:])
    bounds = np.array(feats.shape[::-1], dtype=float) - 1
    sides, directions = [], []
    for env_up, env_bottom, line, _, _, p_dir in line_inputs(heatmap, False, bounds):
        sides.append((line, np.concatenate((line, env_up[::-1]))))
        sides.append((line, np.concatenate((line, env_bottom[::-1]))))
        directions.append(p_dir)
    angle = float(np.arctan2(directions[0][1], directions[0][0]))
    together = calc_seams(sides, angle, feats)
    assert len(together) == len(sides) >= 8
    for (baseline, polygon), seam in zip(sides, together, strict=True):
        assert np.array_equal(seam, segmentation._calc_seam(baseline, polygon, angle, feats))


def test_substitution_puts_the_seams_in_place_and_back() -> None:
    from kraken.lib import segmentation

    own = segmentation._extract_patch
    assert fast_postprocess.install("cpu", enabled=True)
    assert segmentation._extract_patch is extract_patch
    assert fast_postprocess.installed()
    fast_postprocess.uninstall()
    assert segmentation._extract_patch is own
    assert not fast_postprocess.installed()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_samples_match_scipy(seed: int) -> None:
    """Against the call skimage's warp makes, with coordinates on exact half pixels, a hair
    either side of them, and outside the image on every side."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    for height, width in ((1, 1), (3, 40), (37, 5), (64, 64)):
        image = rng.random((height, width))
        coords = rng.uniform(-2, max(height, width) + 2, (2, 600))
        coords[:, :200] = np.round(coords[:, :200] * 2) / 2
        coords[:, 200:300] = coords[:, :100] + rng.choice([-1e-12, 1e-12], (2, 100))
        expected = ndimage.map_coordinates(
            image, coords, prefilter=False, mode="grid-constant", order=0, cval=MASK_VAL
        )
        assert np.array_equal(nearest_samples(image, coords[0], coords[1]), expected)
