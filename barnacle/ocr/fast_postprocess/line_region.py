"""kraken 7.1.1's `_calc_roi` (the region a line's polygon may grow into: for each point along
the baseline, how far up and down before another line, a region or the page edge), with its
per-point loops done at once: the ray/page-edge intersections as numpy arrays, the shapely
operations as shapely 2's vectorised calls. The same float and GEOS operations in the same
order as kraken's, so the same points come out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.geometry as geom
from shapely.ops import nearest_points, unary_union


def ray_page_edges(points: np.ndarray, direction: np.ndarray, aabb: np.ndarray) -> np.ndarray:
    """Where rays from `points` along `direction` leave the box (0, 0)-`aabb`: kraken's
    `_ray_intersect_boundaries` for many points at once, cast to int as kraken does. Where a
    ray starts on the box's edge parallel to it (a NaN in kraken's arithmetic, which its
    scalar min/max resolve by argument order), kraken's own function does every point."""
    fraction = np.empty(2, dtype=points.dtype)
    fraction[direction == 0.0] = np.inf
    fraction[direction != 0.0] = np.divide(1.0, direction[direction != 0.0])
    with np.errstate(invalid="ignore"):
        t1 = (-points[:, 0]) * fraction[0]
        t2 = (aabb[0] - points[:, 0]) * fraction[0]
        t3 = (-points[:, 1]) * fraction[1]
        t4 = (aabb[1] - points[:, 1]) * fraction[1]
    if np.isnan(np.stack((t1, t2, t3, t4))).any():
        from kraken.lib.segmentation import _ray_intersect_boundaries

        return np.array([_ray_intersect_boundaries(p, direction, aabb) for p in points]).astype(
            "int"
        )
    t_min = np.maximum(np.minimum(t1, t2), np.minimum(t3, t4))
    t_max = np.minimum(np.maximum(t1, t2), np.maximum(t3, t4))
    if np.any((t_min < 0) & (t_max < 0)):
        raise ValueError("min() arg is an empty sequence")  # what kraken's min() raises
    t = np.where(t_min >= 0, np.where(t_max >= 0, np.minimum(t_min, t_max), t_min), t_max)
    edges: np.ndarray = (points + direction * t[:, None]).astype("int")
    return edges


def _interpolated(line: np.ndarray) -> np.ndarray:
    """The baseline's first point, a point every 10 px along it, and its last point."""
    ls = geom.LineString(line)
    distances = np.arange(10, ls.length, 10)  # kraken: 10, 20, ... while below the length
    inner = shapely.get_coordinates(shapely.line_interpolate_point(ls, distances))
    return np.concatenate(([line[0]], inner.reshape(-1, 2), [line[-1]]))


def _closest(point: np.ndarray, intersects: Any) -> Any:
    """kraken's `_find_closest_point`: the same point, the distances taken at once."""
    spt = geom.Point(point)
    if intersects.is_empty:
        raise Exception(
            f"No intersection with boundaries. Shapely intersection object: {intersects.wkt}"
        )
    if intersects.geom_type == "MultiPoint":  # the first nearest, as min() picks
        parts = shapely.get_parts(intersects)
        return parts[int(np.argmin(shapely.distance(spt, parts)))]
    if intersects.geom_type == "Point":
        return intersects
    if intersects.geom_type == "GeometryCollection" and len(intersects.geoms) > 0:
        nearest = min(list(intersects.geoms), key=spt.distance)
        return nearest_points(spt, nearest)[1]
    raise Exception(
        f"No intersection with boundaries. Shapely intersection object: {intersects.wkt}"
    )


def _limits(points: np.ndarray, edges: np.ndarray, side: Any) -> np.ndarray:
    """For each point, the nearest place on `side` along the segment to its page edge."""
    segments = shapely.linestrings(np.stack((points, edges.astype(float)), axis=1))
    crossings = shapely.intersection(segments, side)
    kinds = np.where(shapely.is_empty(crossings), -1, shapely.get_type_id(crossings))
    nearest = np.zeros((len(points), 2))
    single = kinds == shapely.GeometryType.POINT
    nearest[single] = shapely.get_coordinates(crossings[single])
    multi = np.nonzero(kinds == shapely.GeometryType.MULTIPOINT)[0]
    if len(multi):
        parts, owner = shapely.get_parts(crossings[multi], return_index=True)
        distance = shapely.distance(shapely.points(points[multi][owner]), parts)
        order = np.lexsort((np.arange(len(parts)), distance, owner))  # the first nearest
        _, first = np.unique(owner[order], return_index=True)
        nearest[multi] = shapely.get_coordinates(parts[order[first]])
    for i in np.nonzero(~single & (kinds != shapely.GeometryType.MULTIPOINT))[0]:
        nearest[i] = _closest(points[i], crossings[i]).coords[0]
    return np.array([tuple(point) for point in nearest.tolist()], dtype="uint")


def calc_roi(
    line: np.ndarray,
    bounds: np.ndarray,
    baselines: list[Any],
    suppl_obj: list[Any],
    p_dir: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """kraken 7.1.1's `_calc_roi`: the upper and lower envelope of `line`'s region."""
    ip_line = _interpolated(line)
    upper_edges = ray_page_edges(ip_line, (p_dir * (-1, 1))[::-1], bounds + 1)
    bottom_edges = ray_page_edges(ip_line, (p_dir * (1, -1))[::-1], bounds + 1)
    upper_polygon = geom.Polygon(ip_line.tolist() + list(upper_edges))
    bottom_polygon = geom.Polygon(ip_line.tolist() + list(bottom_edges))
    side_a = [geom.LineString(upper_edges)]
    side_b = [geom.LineString(bottom_edges)]
    others = [geom.LineString(adj) for adj in baselines + suppl_obj]
    in_upper = shapely.intersects(upper_polygon, others) if others else []
    in_bottom = shapely.intersects(bottom_polygon, others) if others else []
    for other, up, down in zip(others, in_upper, in_bottom, strict=True):
        if up:
            side_a.append(other)
        elif down:
            side_b.append(other)
    boundary_a = unary_union(side_a).buffer(1).boundary
    boundary_b = unary_union(side_b).buffer(1).boundary
    return _limits(ip_line, upper_edges, boundary_a), _limits(ip_line, bottom_edges, boundary_b)
