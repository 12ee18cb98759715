"""barnacle's ridge filter against kraken 7.1.1's own post-processing (skimage's Sato filter and
kraken's `vectorize_lines`), on a cached network output and on synthetic heatmaps; the
substitution's version check and switch; and one real page segmented and read both ways."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage import draw
from skimage import filters as skimage_filters

from barnacle.ocr import fast_postprocess
from barnacle.ocr.fast_postprocess import sato_white_ridges, substitution

from support.torch_threads import one_torch_thread

HEATMAPS = Path(__file__).parent / "data" / "heatmaps"
SAMPLE_PAGE = Path(__file__).parent.parent / "data" / "sample" / "pages" / "book1-p1.jpg"
THRESHOLD = 0.17  # kraken's vectorize_lines threshold on the ridge map


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread, as a page process has; kraken's own filter back in place after."""
    with one_torch_thread():
        yield
    fast_postprocess.uninstall()


def network_output() -> np.ndarray:
    """(start separators, end separators, baselines) of a real page's top: float32 0..1."""
    with np.load(HEATMAPS / "book1-p1-top.npz") as data:
        return data["heatmap"].astype(np.float32) / 255


def synthetic_heatmap(seed: int, shape: tuple[int, int] = (260, 390)) -> np.ndarray:
    """Three maps like the network's: blurred, slightly sloped baselines (one touching the
    top edge, one running off the right edge), start/end blobs at their ends, a noise floor."""
    rng = np.random.default_rng(seed)
    height, width = shape
    maps = np.zeros((3, height, width), np.float64)
    rows = [2, *sorted(rng.integers(20, height - 10, size=5))]
    for row in rows:
        start = int(rng.integers(0, width // 4))
        end = width - 1 if row == rows[-1] else int(rng.integers(width // 2, width))
        slope = int(rng.integers(-6, 7))
        rr, cc = draw.line(row, start, int(np.clip(row + slope, 0, height - 1)), end)
        maps[2, rr, cc] = 1
        maps[0, rr[0], cc[0]] = 1
        maps[1, rr[-1], cc[-1]] = 1
    for channel, sigma in ((0, 4.0), (1, 4.0), (2, 1.5)):
        blurred = gaussian_filter(maps[channel], sigma)
        maps[channel] = blurred / blurred.max() * rng.uniform(0.7, 0.95)
    maps += rng.uniform(0, 1e-3, size=maps.shape)
    return maps.astype(np.float32)


def assert_same_ridges(heatmap: np.ndarray) -> None:
    expected = skimage_filters.sato(heatmap, black_ridges=False, mode="constant")
    ours = sato_white_ridges(heatmap)
    assert ours.dtype == np.float32 and ours.shape == expected.shape
    assert np.abs(ours - expected).max() < 1e-5
    assert np.array_equal(ours > THRESHOLD, expected > THRESHOLD)


def test_ridge_filter_matches_skimage_on_network_output() -> None:
    assert_same_ridges(network_output()[2])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ridge_filter_matches_skimage_on_synthetic_heatmaps(seed: int) -> None:
    heatmap = synthetic_heatmap(seed)
    assert (skimage_filters.sato(heatmap[2], black_ridges=False, mode="constant") > 0.17).any()
    assert_same_ridges(heatmap[2])


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (7, 200), (130, 2), (65, 129)])
def test_ridge_filter_matches_skimage_on_odd_shapes(shape: tuple[int, int]) -> None:
    """Maps smaller than a kernel or a block, or not a multiple of one."""
    values = np.random.default_rng(0).random(shape).astype(np.float32)
    expected = skimage_filters.sato(values, black_ridges=False, mode="constant")
    assert np.abs(sato_white_ridges(values) - expected).max() < 1e-6


def kraken_lines(heatmap: np.ndarray) -> list[list[list[int]]]:
    from kraken.lib.segmentation import vectorize_lines

    return list(vectorize_lines(heatmap, text_direction="horizontal"))


@pytest.mark.parametrize("source", ["network", "synthetic-4", "synthetic-5"])
def test_vectorize_lines_gives_the_same_baselines(source: str) -> None:
    heatmap = network_output() if source == "network" else synthetic_heatmap(int(source[-1]))
    own = kraken_lines(heatmap)
    assert fast_postprocess.install("cpu", enabled=True)
    assert fast_postprocess.installed()
    fast = kraken_lines(heatmap)
    assert len(own) >= 3
    assert fast == own


def test_other_ridge_filter_calls_reach_skimage() -> None:
    heatmap = synthetic_heatmap(6)[2]
    assert fast_postprocess.install("cpu", enabled=True)
    from kraken.lib import segmentation

    stand_in = segmentation.filters
    assert np.array_equal(
        stand_in.sato(heatmap, black_ridges=True, mode="constant"),
        skimage_filters.sato(heatmap, black_ridges=True, mode="constant"),
    )
    assert stand_in.gaussian is skimage_filters.gaussian


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fast_postprocess.install("cpu", enabled=True)
    monkeypatch.setenv(fast_postprocess.SWITCH, "0")
    assert not fast_postprocess.install("cpu")
    from kraken.lib import segmentation

    assert segmentation.filters is skimage_filters


def test_other_kraken_versions_run_their_own(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(substitution, "kraken_version", lambda: "7.2.0")
    with caplog.at_level(logging.INFO, logger=substitution.__name__):
        assert not fast_postprocess.install("cpu", enabled=True)
    assert not fast_postprocess.installed()
    assert "kraken 7.2.0 is not 7.1.1" in caplog.text


@pytest.mark.slow
def test_real_page_same_lines_baselines_and_text() -> None:
    """A sample page read with kraken's own post-processing and with barnacle's: the same
    number of lines, every baseline point within 1 px, the same text."""
    from PIL import Image

    from barnacle.model_files.resolve import resolve_model
    from barnacle.ocr import KrakenEngine

    _, model = resolve_model(None)
    engine = KrakenEngine(model, threads=1, fast_postprocess=False)
    assert not fast_postprocess.installed()
    with Image.open(SAMPLE_PAGE) as image:
        image.load()
        own = engine.ocr(image)
        assert fast_postprocess.install("cpu", enabled=True)
        fast = engine.ocr(image)
    assert len(own.lines) >= 10
    assert len(fast.lines) == len(own.lines)
    for ours, theirs in zip(fast.lines, own.lines, strict=True):
        assert len(ours.baseline) == len(theirs.baseline)
        deltas = np.abs(np.array(ours.baseline) - np.array(theirs.baseline))
        assert deltas.max() <= 1
    assert fast.text == own.text


def page_features(shape: tuple[int, int]) -> np.ndarray:
    """A seam-carving feature map as kraken's vec_lines makes it, from the top of a sample
    page scaled to the heatmap's width."""
    from PIL import Image
    from skimage.filters import sobel

    with Image.open(SAMPLE_PAGE) as image:
        height = round(image.height * shape[1] / image.width)
        gray = np.array(image.convert("L").resize((shape[1], height)))[: shape[0]]
    return np.asarray(gaussian_filter(sobel(gray), 0.5))


def polygons(baselines: list[list[list[int]]], feats: np.ndarray) -> list[list[int] | None]:
    from kraken.lib.segmentation import calculate_polygonal_environment

    found = [
        calculate_polygonal_environment(
            baselines=[line], im_feats=feats, suppl_obj=baselines[:i] + baselines[i + 1 :]
        )[0]
        for i, line in enumerate(baselines)
    ]
    return [None if polygon is None else np.asarray(polygon).tolist() for polygon in found]


def test_line_polygons_are_the_same() -> None:
    heatmap = network_output()
    baselines = kraken_lines(heatmap)
    # a level line from the left edge (kraken's ray arithmetic meets 0 * inf there)
    baselines.append([[0, heatmap.shape[1] - 12], [60, heatmap.shape[1] - 12]])
    feats = page_features(heatmap.shape[1:])
    own = polygons(baselines, feats)
    assert fast_postprocess.install("cpu", enabled=True)
    fast = polygons(baselines, feats)
    assert sum(p is not None for p in own) >= 4
    assert fast == own


def test_line_regions_match_kraken_on_many_lines() -> None:
    """barnacle's calc_roi against kraken's _calc_roi directly, every line of the cached
    network output and of two synthetic pages, with a region as a supplementary boundary."""
    from kraken.lib import segmentation

    from barnacle.ocr.fast_postprocess.line_region import calc_roi

    for heatmap in (network_output(), synthetic_heatmap(8), synthetic_heatmap(9)):
        baselines = kraken_lines(heatmap)
        height, width = heatmap.shape[1:]
        bounds = np.array((width, height), dtype=float) - 1
        region = [[5, 5], [width // 2, 5], [width // 2, height // 3], [5, height // 3], [5, 5]]
        for i, line in enumerate(baselines):
            points = np.array(line, dtype=float)
            lengths = np.linalg.norm(np.diff(points.T), axis=0)
            p_dir = np.mean(np.diff(points.T) * lengths / lengths.sum(), axis=1)
            p_dir = p_dir / np.sqrt(np.sum(p_dir**2))
            others = baselines[:i] + baselines[i + 1 :]
            expected = segmentation._calc_roi(points, bounds, others, [region], p_dir)
            ours = calc_roi(points, bounds, others, [region], p_dir)
            assert all(np.array_equal(a, b) for a, b in zip(ours, expected, strict=True))
