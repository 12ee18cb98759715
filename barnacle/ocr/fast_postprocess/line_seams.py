"""kraken 7.1.1's `_extract_patch` (a line's polygon: a seam above and a seam below its
baseline, carved through the page's gradient map inside the line's region), with both seams of
a line carved in one pass.

kraken's `_calc_seam` rotates the whole region patch level with skimage's `warp` (nearest
neighbour) and then keeps only the columns between the baseline's ends; its seam-carving loop
walks the patch column by column along rows of a row-major array. Here only the kept columns
are sampled (the same coordinates, from the same matrix product, and the same nearest-pixel
rule as the `map_coordinates` call `warp` makes), the patch is held column-major, and the two
seams' patches are stacked (an infinite row between them, as kraken pads each one) so that one
loop carves both: the same minima, the same first-minimum ties, the same seams.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely.geometry as geom
from scipy import ndimage
from shapely.ops import unary_union
from shapely.validation import explain_validity

# kraken's value for the patch outside the line's region.
MASK_VAL = 99999


def _rotation(shape: tuple[int, ...], angle: float, scale: float) -> tuple[Any, tuple[int, int]]:
    """kraken's `_rotate` transform (output -> patch coordinates) and output shape."""
    from skimage import transform

    affine: Any = transform.AffineTransform  # untyped in skimage
    rows, cols = shape[:2]
    tform = affine(rotation=angle, scale=(1 / scale, 1))
    corners = tform.inverse(np.array([[0, 0], [0, rows - 1], [cols - 1, rows - 1], [cols - 1, 0]]))
    minc, minr = corners[:, 0].min(), corners[:, 1].min()
    out_rows = corners[:, 1].max() - minr + 1
    out_cols = corners[:, 0].max() - minc + 1
    output_shape = tuple(int(o) for o in np.around((out_rows, out_cols)))
    translation = tform([[minc, minr]])
    tform = affine(
        rotation=angle, scale=(1 / scale, 1), translation=[f for f in translation.flatten()]
    )
    return tform, (output_shape[0], output_shape[1])


def _rotated_columns(patch: np.ndarray, tform: Any, rows: int, columns: np.ndarray) -> np.ndarray:
    """Columns `columns` of skimage's `warp(patch, tform, order=0, cval=MASK_VAL)` with `rows`
    rows, as a (columns, rows) array, padded with an infinite row on both sides (kraken's
    padding for the seam carving)."""
    grid = np.indices((len(columns), rows), dtype=np.float64).reshape(2, -1).T
    grid[:, 0] = columns[grid[:, 0].astype(np.intp)]
    src = np.concatenate([grid, np.ones((grid.shape[0], 1))], axis=1)
    mapped = src @ tform.params.T  # skimage's _apply_mat; the last coordinate is exactly 1
    padded = np.full((len(columns), rows + 2), np.inf)
    padded[:, 1:-1] = nearest_samples(patch, mapped[:, 1], mapped[:, 0]).reshape(-1, rows)
    return padded


def nearest_samples(image: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """scipy's `map_coordinates(image, (row, col), order=0, mode='grid-constant',
    cval=MASK_VAL)` (what skimage's `warp` calls): the pixel at floor(coordinate + 0.5),
    MASK_VAL where that is outside the image."""
    height, width = image.shape
    r = np.floor(row + 0.5).astype(np.intp)
    c = np.floor(col + 0.5).astype(np.intp)
    inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
    values = image[np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)]
    return np.where(inside, values, float(MASK_VAL))


def _seam_patch(
    baseline: np.ndarray, polygon: np.ndarray, angle: float, im_feats: np.ndarray, bias: int = 150
) -> dict[str, Any]:
    """Everything of kraken's `_calc_seam` before the carving: the biased, masked patch,
    rotated level and cut to the baseline's ends (column-major, padded)."""
    from kraken.lib.segmentation import make_polygonal_mask
    from skimage import draw

    line: Any = draw.line  # untyped in skimage

    c_min, c_max = int(polygon[:, 0].min()), int(polygon[:, 0].max())
    r_min, r_max = int(polygon[:, 1].min()), int(polygon[:, 1].max())
    patch = im_feats[r_min : r_max + 2, c_min : c_max + 2].copy()
    mask = np.ones_like(patch)
    corner = (c_min, r_min)
    for start, end in zip(baseline[:-1] - corner, baseline[1:] - corner, strict=True):
        mask[line(start[1], start[0], end[1], end[0])] = 0
    dist_bias = ndimage.distance_transform_cdt(mask)
    mask = np.array(make_polygonal_mask(polygon - (c_min, r_min), patch.shape[::-1])) <= 128
    mask = ndimage.binary_erosion(mask, border_value=True, iterations=2)
    patch[mask] = MASK_VAL
    patch += dist_bias * (np.mean(patch[patch != MASK_VAL]) / bias)
    extrema = baseline[(0, -1), :] - (c_min, r_min)
    tform, (rows, cols) = _rotation(patch.shape, angle, min(1.0, 600 / (c_max - c_min)))
    x_offsets = np.sort(np.around(tform.inverse(extrema)[:, 0]).astype("int"))
    columns = np.arange(cols)[x_offsets[0] : x_offsets[1] + 1]  # kraken's slice, as indices
    return {
        "carve": _rotated_columns(patch, tform, rows, columns),
        "tform": tform,
        "x0": int(x_offsets[0]),
        "mask": mask,
        "origin": (c_min, r_min),
    }


def _carve(patches: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """kraken's seam-carving pass over several padded column-major patches at once: stacked
    along the rows (their infinite pads between them) and left-aligned; columns past a
    patch's end are infinite and change nothing before them. Returns the accumulated costs,
    the backtrack (stacked row indices) and each patch's first stacked row."""
    width = max(len(p) for p in patches)
    starts = list(np.cumsum([0] + [p.shape[1] for p in patches[:-1]]))
    stacked = np.full((width, sum(p.shape[1] for p in patches)), np.inf)
    for start, patch in zip(starts, patches, strict=True):
        stacked[: len(patch), start : start + patch.shape[1]] = patch
    windows = np.lib.stride_tricks.sliding_window_view(stacked, 3, axis=1)
    backtrack = np.zeros((width - 1, stacked.shape[1] - 2), dtype="int")
    lowest = np.empty(stacked.shape[1] - 2)
    minima = np.empty(stacked.shape[1] - 2, "f")  # kraken keeps each minimum as float32
    shift = np.arange(-1, len(minima) - 1)
    for i in range(width - 1):
        column = stacked[i]  # the minimum of 3 neighbours: the same value as kraken's min(1)
        np.minimum(np.minimum(column[:-2], column[1:-1], out=lowest), column[2:], out=lowest)
        minima[:] = lowest
        backtrack[i] = windows[i].argmin(1) + shift
        stacked[i + 1, 1:-1] += minima
    return stacked, backtrack, [int(s) for s in starts]


def _seam(costs: np.ndarray, backtrack: np.ndarray, start: int, found: dict[str, Any]) -> Any:
    """One seam traced back from its patch's last column, then kraken's own steps: clipped to
    a standard deviation of its mean row, rotated back, kept inside the region."""
    columns, rows = found["carve"].shape[0], found["carve"].shape[1] - 2
    if columns < 2:  # kraken's backtrack is empty then, and its first step fails
        raise IndexError("index -1 is out of bounds for axis 0 with size 0")
    j = int(np.argmin(costs[columns - 1, start + 1 : start + 1 + rows]))
    seam = []
    for i in range(columns - 2, -2, -1):
        seam.append((i + found["x0"] + 1, j))
        j = backtrack[i, start + j] - start
    seam_array = np.array(seam)[::-1]
    mean, std = seam_array[:, 1].mean(), seam_array[:, 1].std()
    seam_array[:, 1] = np.clip(seam_array[:, 1], mean - std, mean + std)
    points = found["tform"](seam_array).astype("int")
    mask = found["mask"]
    points = points[points.min(axis=1) >= 0, :]
    inside = (points < mask.shape[::-1]).T
    points = points[np.logical_and(inside[0], inside[1]), :]
    points = points[np.invert(mask[points.T[1], points.T[0]])]
    points += found["origin"]
    return points


def calc_seams(sides: list[tuple[np.ndarray, np.ndarray]], angle: float, feats: np.ndarray) -> Any:
    """kraken's `_calc_seam(baseline, polygon, angle, feats)` for each (baseline, polygon)."""
    found = [_seam_patch(baseline, polygon, angle, feats) for baseline, polygon in sides]
    costs, backtrack, starts = _carve([f["carve"] for f in found])
    return [_seam(costs, backtrack, s, f) for s, f in zip(starts, found, strict=True)]


def _offset_seam(seam: Any, offset: int, side: str) -> np.ndarray:
    """kraken's seam moved `offset // 2` away from the line (unless GEOS splits it)."""
    moved = seam.parallel_offset(offset // 2, side=side)
    if moved.geom_type == "MultiLineString" or offset == 0:
        return np.array(seam.coords, dtype=int)
    coords = np.array(moved.coords, dtype=int)
    return coords[::-1] if side == "right" else coords


def extract_patch(
    env_up: np.ndarray,
    env_bottom: np.ndarray,
    baseline: np.ndarray,
    offset_baseline: np.ndarray,
    end_points: Any,
    dir_vec: np.ndarray,
    topline: bool | None,
    offset: int,
    im_feats: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    """kraken 7.1.1's `_extract_patch`: a line's polygon from its region and baseline."""
    upper_polygon = np.concatenate((baseline, env_up[::-1]))
    bottom_polygon = np.concatenate((baseline, env_bottom[::-1]))
    angle = np.arctan2(dir_vec[1], dir_vec[0])
    roi_polygon = unary_union([geom.Polygon(upper_polygon), geom.Polygon(bottom_polygon)])
    if topline:
        sides = [(baseline, upper_polygon)]
        sides.append((offset_baseline, np.concatenate((offset_baseline, env_bottom[::-1]))))
    else:
        sides = [(offset_baseline, np.concatenate((offset_baseline, env_up[::-1])))]
        sides.append((baseline, bottom_polygon))
    upper, bottom = calc_seams(sides, angle, im_feats)
    upper_seam = _offset_seam(geom.LineString(upper).simplify(5), offset, "right")
    bottom_seam = _offset_seam(geom.LineString(bottom).simplify(5), offset, "left")
    polygon = geom.Polygon(
        np.concatenate(([end_points[0]], upper_seam, [end_points[-1]], bottom_seam[::-1]))
    )
    if not polygon.is_valid:
        polygon = geom.Polygon(
            np.concatenate(([end_points[-1]], upper_seam, [end_points[0]], bottom_seam))
        )
    if not polygon.is_valid:
        raise Exception(f"Invalid bounding polygon computed: {explain_validity(polygon)}")
    return np.array(roi_polygon.intersection(polygon).boundary.coords, dtype=int)
