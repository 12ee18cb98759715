"""kraken 7.1.1's `boundary_tracing` (the Moore-neighbourhood trace around a baseline blob that
`vectorize_lines` extends baselines to), stepping in plain Python integers instead of a few
small numpy calls per boundary pixel: the same pixels in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# kraken's neighbourhood order: up, then clockwise.
_AROUND = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _start(binary: np.ndarray, y: np.ndarray, x: np.ndarray) -> tuple[tuple[int, int], Any]:
    """kraken's first pixel (the first of the blob's pixels that is not isolated) and the
    pixel the trace is taken to have come from."""
    index = 0
    while True:
        start = (int(y[index]), int(x[index]))
        if np.sum(binary[start[0] - 1 : start[0] + 2, start[1] - 1 : start[1] + 2]) > 1:
            break
        index += 1
    if binary[start[0] + 1, start[1]] == 0 and binary[start[0] + 1, start[1] - 1] == 0:
        return start, (start[0] + 1, start[1])
    return start, (start[0], start[1] - 1)


def boundary_tracing(region: Any) -> np.ndarray:
    """kraken's `boundary_tracing(region)`: the blob's boundary pixels (row, column)."""
    coords = region.coords
    mins = np.amin(coords, axis=0)
    maxs = np.amax(coords, axis=0)
    binary = np.zeros((maxs[0] - mins[0] + 3, maxs[1] - mins[1] + 3))
    y = coords[:, 0] - mins[0] + 1
    x = coords[:, 1] - mins[1] + 1
    binary[tuple([y, x])] = 1
    start, backtrack_start = _start(binary, y, x)
    cells = binary.tolist()
    current, backtrack = start, backtrack_start
    boundary = []
    while True:
        neighbours = [(current[0] + dy, current[1] + dx) for dy, dx in _AROUND]
        if backtrack not in neighbours:  # kraken's neighbourhood is 0 then, and it fails
            raise TypeError("'int' object is not subscriptable")
        first = neighbours.index(backtrack)
        ordered = neighbours[first:] + neighbours[:first]
        values = [cells[row][col] for row, col in ordered]
        best = values.index(max(values))  # numpy's argmax: the first largest
        boundary.append(current)
        backtrack = ordered[best - 1]
        current = ordered[best]
        if current == start and backtrack == backtrack_start:
            break
    traced: np.ndarray = np.array(boundary) + [mins[0] - 1, mins[1] - 1]
    return traced
