"""A PNG of pages completed over time (all hosts, and each host), drawn with Pillow: both axes
labelled, with round, distinct time ticks at any run length (barnacle/run/time_ticks.py)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from barnacle.run.time_ticks import count_ticks, time_ticks

COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
WIDTH, HEIGHT, MARGIN = 900, 500, 70
MAX_HOST_LINES = 6


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class _Plot:
    """The plot area of the chart, its time span and page count, and where a point lies."""

    left, right, top, bottom = MARGIN, WIDTH - 20, 45, HEIGHT - MARGIN

    def __init__(self, draw: ImageDraw.ImageDraw, font: Font, points: list[tuple[float, str]]):
        self.draw = draw
        self.font = font
        self.start, self.end = points[0][0], max(points[-1][0], points[0][0] + 1)
        self.total = len(points)

    def xy(self, when: float, count: int) -> tuple[float, float]:
        x = self.left + (when - self.start) / (self.end - self.start) * (self.right - self.left)
        return x, self.bottom - count / self.total * (self.bottom - self.top)


def _host_lines(plot: _Plot, points: list[tuple[float, str]]) -> None:
    """One line for all hosts and one for each of the busiest hosts (when there are more than
    one), each named with its pages in a legend."""
    draw, font, left, right, top = plot.draw, plot.font, plot.left, plot.right, plot.top
    by_host: dict[str, list[float]] = {}
    for when, host in points:
        by_host.setdefault(host, []).append(when)
    busiest = sorted(by_host.items(), key=lambda item: -len(item[1]))
    series: dict[str, list[float]] = {"all hosts": [t for t, _ in points]}
    if len(busiest) > 1:  # one host: its line is the total
        series.update(busiest[:MAX_HOST_LINES])
    for number, (name, times) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        # At most ~2 points per pixel column: a line of 500,000 pages looks the same.
        every = max(1, len(times) // (2 * (right - left)))
        kept = list(range(0, len(times), every))
        if kept[-1] != len(times) - 1:
            kept.append(len(times) - 1)
        line = [plot.xy(plot.start, 0)] + [plot.xy(times[i], i + 1) for i in kept]
        draw.line(line, fill=colour, width=2)
        draw.text(
            (left + 10, top + 5 + 14 * number),
            f"{name}: {len(times)} pages",
            fill=colour,
            font=font,
        )
    if len(busiest) > MAX_HOST_LINES:
        more = f"... and {len(busiest) - MAX_HOST_LINES} more hosts"
        draw.text((left + 10, top + 5 + 14 * len(series)), more, fill="black", font=font)


def _ticks(plot: _Plot) -> str:
    """Time ticks under the x axis and page counts beside the y axis; the time unit."""
    draw, font, left, bottom = plot.draw, plot.font, plot.left, plot.bottom
    ticks, unit = time_ticks(plot.start, plot.end)
    for when, label in ticks:
        x, _ = plot.xy(when, 0)
        draw.line([(x, bottom), (x, bottom + 4)], fill="black")
        width = draw.textlength(label, font=font)
        draw.text(
            (min(max(x - width / 2, 0), WIDTH - width - 2), bottom + 8),
            label,
            fill="black",
            font=font,
        )
    for count in count_ticks(plot.total):
        _, y = plot.xy(plot.start, count)
        draw.line([(left - 4, y), (left, y)], fill="black")
        label = f"{count:,}"
        draw.text(
            (left - 8 - draw.textlength(label, font=font), y - 6), label, fill="black", font=font
        )
    return unit


def draw_progress_chart(points: list[tuple[float, str]], out: Path, title: str) -> Path:
    """`points`: (finished epoch, host) per page, sorted. Writes `out` (PNG) and returns it."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN, 15), title, fill="black", font=font)
    left, right, top, bottom = _Plot.left, _Plot.right, _Plot.top, _Plot.bottom
    draw.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    if not points:
        draw.text((left + 20, top + 20), "no pages done yet", fill="black", font=font)
        image.save(out)
        return out
    plot = _Plot(draw, font, points)
    _host_lines(plot, points)
    x_label = f"time {_ticks(plot)}"
    draw.text(
        ((left + right - draw.textlength(x_label, font=font)) / 2, HEIGHT - 28),
        x_label,
        fill="black",
        font=font,
    )
    _vertical_text(image, "pages completed", (8, (top + bottom) / 2), font)
    image.save(out)
    return out


def _vertical_text(
    image: Image.Image,
    text: str,
    centre: tuple[float, float],
    font: Font,
) -> None:
    """`text` turned a quarter to the left, centred on `centre` (the vertical axis label)."""
    probe = ImageDraw.Draw(image)
    width, height = int(probe.textlength(text, font=font)) + 2, 14
    label = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(label).text((1, 1), text, fill="black", font=font)
    turned = label.rotate(90, expand=True)
    image.paste(turned, (int(centre[0]), int(centre[1] - turned.height / 2)))
