"""Render book-like page images with known text, baselines and line boxes.

Pages are grayscale, on a slightly uneven paper tone with noise, set in serif
fonts from Debian font packages (``fonts-ebgaramond``, ``fonts-linuxlibertine``,
``fonts-oldstandard``, ``fonts-junicode``, ``fonts-cardo``, ``fonts-dejavu-core``,
``fonts-liberation``), 12-25 lines of justified text with margins and sometimes
a running title. Everything is deterministic given the seed and the installed
fonts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy.ndimage import gaussian_filter

from barnacle.demo.texts import TextSource

FONT_ROOT = Path("/usr/share/fonts")

# File names (searched for under FONT_ROOT) of the serif faces we use, by short name.
FONT_FILES: dict[str, str] = {
    "ebgaramond": "EBGaramond12-Regular.otf",
    "libertine": "LinLibertine_R.otf",
    "oldstandard": "OldStandard-Regular.ttf",
    "junicode": "JunicodeTwoBeta-Regular.otf",
    "cardo": "Cardo104s.ttf",
    "dejavuserif": "DejaVuSerif.ttf",
    "liberationserif": "LiberationSerif-Regular.ttf",
}

# Characters that historicised text may contain; fonts lacking them get modern text.
SPECIAL_CHARS = "ſﬁﬂæœÆ&"

Point = tuple[int, int]


@dataclass
class Line:
    """One rendered line: its text, baseline polyline and bounding box."""

    text: str
    baseline: list[Point]
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass
class Page:
    """A rendered page and its ground truth, lines in reading order."""

    image: Image.Image
    lines: list[Line] = field(default_factory=list)
    font: str = ""
    seed: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@cache
def available_fonts() -> dict[str, Path]:
    """Short name -> path of each known font that is installed (sorted by name)."""
    found: dict[str, Path] = {}
    if not FONT_ROOT.is_dir():
        return found
    for name, filename in sorted(FONT_FILES.items()):
        hits = sorted(FONT_ROOT.rglob(filename))
        if hits:
            found[name] = hits[0]
    return found


def _glyph_mask(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    return bytes(font.getmask(ch))


@cache
def _supports_specials(path: Path) -> bool:
    """Whether a font has real glyphs (not .notdef) for all SPECIAL_CHARS."""
    font = ImageFont.truetype(str(path), 40)
    notdef = _glyph_mask(font, "\ue000")
    return all(_glyph_mask(font, ch) != notdef for ch in SPECIAL_CHARS)


def _modernise(text: str) -> str:
    return (
        text.replace("ſ", "s")
        .replace("ﬁ", "fi")
        .replace("ﬂ", "fl")
        .replace("æ", "ae")
        .replace("œ", "oe")
        .replace("Æ", "Ae")
    )


def _wrap(
    words: list[str],
    source_words: Iterator[str],
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont,
    width: float,
) -> list[str]:
    """Greedily take words from the stream until the line is full."""
    line: list[str] = []
    while True:
        word = words.pop() if words else next(source_words)
        candidate = " ".join([*line, word])
        if line and draw.textlength(candidate, font=font) > width:
            words.append(word)
            return line
        line.append(word)


def _paper(rng: np.random.Generator, size: tuple[int, int], tone: float) -> np.ndarray:
    w, h = size
    low: np.ndarray = gaussian_filter(rng.normal(0.0, 1.0, (h // 16 + 1, w // 16 + 1)), 2.0)
    low = np.kron(low, np.ones((16, 16)))[:h, :w]
    low = low / (np.abs(low).max() + 1e-6) * rng.uniform(4, 12)
    return tone + low + rng.normal(0.0, rng.uniform(3, 7), (h, w))


@dataclass
class _Layout:
    """Where the text goes on a page: its size, margins, type size and line spacing."""

    width: int
    height: int
    margin_l: int
    text_w: int
    top: int
    has_title: bool
    n_body: int
    size: int
    leading: float


def _choose_font(rng: random.Random, font: str | None, font_path: Path | None) -> tuple[str, Path]:
    """The face's short name and file: `font_path` if given, else `font`, else a seeded
    choice among the installed ones."""
    fonts = available_fonts()
    if not fonts:
        raise RuntimeError(
            f"no known serif font found under {FONT_ROOT}; "
            "apt-get install fonts-ebgaramond fonts-linuxlibertine ..."
        )
    font_name = font or rng.choice(sorted(fonts))
    if font_path is not None:
        return font_path.stem, font_path
    return font_name, fonts[font_name]


def _page_layout(rng: random.Random, width: int | None) -> _Layout:
    """A seeded page layout: size, margins, whether a running title, body lines, type size."""
    width = width or rng.randint(1200, 1500)
    height = int(width * rng.uniform(1.38, 1.5))
    scale = width / 1300
    margin_l = int(width * rng.uniform(0.09, 0.14))
    margin_r = int(width * rng.uniform(0.09, 0.14))
    top = int(height * rng.uniform(0.06, 0.09))
    bottom = int(height * rng.uniform(0.07, 0.1))
    has_title = rng.random() < 0.6
    n_body = rng.randint(12 - has_title, 25 - has_title)
    avail = (height - top - bottom) * (0.92 if has_title else 1.0)
    factor = rng.uniform(1.4, 1.8)
    size = int(min(max(avail / (n_body * factor), 26 * scale), 40 * scale))
    return _Layout(
        width=width,
        height=height,
        margin_l=margin_l,
        text_w=width - margin_l - margin_r,
        top=top,
        has_title=has_title,
        n_body=n_body,
        size=size,
        leading=min(avail / n_body, size * 2.0),
    )


class _Ink:
    """The ink layer of a page, and the lines set on it so far."""

    def __init__(self, size: tuple[int, int], historic_ok: bool) -> None:
        self.layer = Image.new("L", size, 0)
        self.draw = ImageDraw.Draw(self.layer)
        self.lines: list[Line] = []
        self.historic_ok = historic_ok

    def place(
        self,
        text: str,
        x: float,
        y: int,
        fnt: ImageFont.FreeTypeFont,
        justify_to: float | None = None,
    ) -> None:
        """Set one line with its baseline at `y` from `x` (justified to `justify_to` wide
        when the spaces it needs stay plausible), and note its ground truth."""
        draw = self.draw
        if not self.historic_ok:
            text = _modernise(text)
        words = text.split(" ")
        right = x + draw.textlength(text, font=fnt)
        extra = 0.0
        if justify_to and len(words) > 1:
            extra = (x + justify_to - right) / (len(words) - 1)
            if not 0 < extra < 2.5 * draw.textlength(" ", font=fnt):
                extra = 0.0
        if extra:
            cx = x
            for word in words:
                draw.text((cx, y), word, font=fnt, fill=255, anchor="ls")
                cx += draw.textlength(word + " ", font=fnt) + extra
            right = x + justify_to if justify_to else right
        else:
            draw.text((x, y), text, font=fnt, fill=255, anchor="ls")
        x0, y0, _, y1 = draw.textbbox((x, y), text, font=fnt, anchor="ls")
        baseline = [(int(x), y), (int(round(right)), y)]
        self.lines.append(Line(text, baseline, (int(x0), int(y0), int(round(right)), int(y1))))


def _set_title(ink: _Ink, layout: _Layout, source: TextSource, font_path: Path) -> float:
    """Set the running title, centred; the y below it."""
    size = layout.size
    y = float(layout.top)
    tface = ImageFont.truetype(str(font_path), int(size * 0.85))
    title = source.running_title()
    tw = ink.draw.textlength(title, font=tface)
    y += size
    ink.place(title, (layout.width - tw) / 2, int(y), tface)
    return y + 1.6 * size


def _set_body(
    rng: random.Random,
    ink: _Ink,
    layout: _Layout,
    source: TextSource,
    face: ImageFont.FreeTypeFont,
    y: float,
) -> None:
    """Set the body lines from `y` down: justified, with paragraphs ending in a short line
    and starting indented."""
    words = source.words()
    pending: list[str] = []
    until_paragraph = rng.randint(2, 9)
    new_paragraph = rng.random() < 0.4
    indent = int(layout.size * 1.5)
    margin_l, text_w = layout.margin_l, layout.text_w
    for _ in range(layout.n_body):
        y += layout.leading
        x = margin_l + (indent if new_paragraph else 0)
        line_words = _wrap(pending, words, ink.draw, face, text_w - (x - margin_l))
        until_paragraph -= 1
        new_paragraph = until_paragraph <= 0
        if new_paragraph:
            # end the paragraph: keep a share of the words so the line is short
            keep = max(1, rng.randint(len(line_words) // 3, len(line_words)))
            pending = pending + list(reversed(line_words[keep:]))
            until_paragraph = rng.randint(3, 10)
            ink.place(source.finish_line(" ".join(line_words[:keep])), x, int(y), face)
        else:
            text = source.finish_line(" ".join(line_words))
            ink.place(text, x, int(y), face, justify_to=text_w - (x - margin_l))


def _on_paper(rng: random.Random, nrng: np.random.Generator, ink_layer: Image.Image) -> Image.Image:
    """The ink, slightly blurred for soft edges, composited over noisy paper."""
    ink = ink_layer.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    alpha = np.asarray(ink, dtype=np.float32) / 255.0
    paper = _paper(nrng, ink_layer.size, rng.uniform(212, 240))
    ink_tone = rng.uniform(15, 60) + nrng.normal(0.0, 4.0, alpha.shape)
    page = paper * (1 - alpha) + ink_tone * alpha
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), mode="L")


def render_page(
    seed: int,
    font: str | None = None,
    lang: str | None = None,
    width: int | None = None,
    split: str | None = None,
    font_path: Path | None = None,
) -> Page:
    """Render one page deterministically from ``seed``.

    Args:
        seed: seeds the layout, font choice, text and noise.
        font: short name from :data:`FONT_FILES` (default: seeded choice among
            the installed ones).
        lang: ``en``, ``fr`` or ``la`` (default: seeded choice).
        width: page width in pixels (default: seeded, 1200-1500).
        split: text share, see :func:`barnacle.demo.texts.sentences`.
        font_path: a font file outside :data:`FONT_FILES` (a typeface the demo model
            was not trained on: ``make bench-finetune``); overrides ``font``.
    """
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    font_name, font_path = _choose_font(rng, font, font_path)
    source = TextSource(rng.randrange(2**31), lang, split)
    layout = _page_layout(rng, width)
    face = ImageFont.truetype(str(font_path), layout.size)
    ink = _Ink((layout.width, layout.height), _supports_specials(font_path))
    y = _set_title(ink, layout, source, font_path) if layout.has_title else float(layout.top)
    _set_body(rng, ink, layout, source, face, y)
    image = _on_paper(rng, nrng, ink.layer)
    return Page(image=image, lines=ink.lines, font=font_name, seed=seed)
