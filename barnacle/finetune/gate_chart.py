"""The gate as a PNG: CER of the base model and of the new one on each held-out page and
overall, two bars side by side, drawn with Pillow (`<NAME>/gate.png`)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from barnacle.finetune.gate import GateResult

BASE_COLOUR, NEW_COLOUR = "#1f77b4", "#ff7f0e"
WIDTH, HEIGHT, MARGIN, MAX_BARS = 900, 420, 60, 40


def draw_gate_chart(result: GateResult, base_name: str, new_name: str, out: Path) -> Path:
    """Writes `out`: a pair of CER bars per held-out page (the first MAX_BARS), then overall."""
    pairs = [(p.page.rsplit("/", 1)[-1], p.base.cer, p.new.cer) for p in result.pages]
    pairs = pairs[:MAX_BARS] + [("all", result.base.cer, result.new.cer)]
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN, 12), f"CER on held-out pages: {base_name} vs {new_name}", "black", font)
    draw.text((MARGIN, 28), f"{base_name}", BASE_COLOUR, font)
    draw.text((MARGIN + 10 + draw.textlength(base_name, font=font), 28), new_name, NEW_COLOUR, font)
    left, right, top, bottom = MARGIN, WIDTH - 20, 50, HEIGHT - MARGIN
    draw.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    highest = max([v for _, b, n in pairs for v in (b, n) if v is not None] + [0.01])
    slot = (right - left) / len(pairs)
    for number, (label, base, new) in enumerate(pairs):
        x = left + number * slot
        for offset, value, colour in ((0.15, base, BASE_COLOUR), (0.5, new, NEW_COLOUR)):
            if value is None:
                continue
            height = value / highest * (bottom - top)
            draw.rectangle(
                [(x + offset * slot, bottom - height), (x + (offset + 0.33) * slot, bottom)],
                fill=colour,
            )
        draw.text((x + 0.1 * slot, bottom + 6), label[:12], "black", font)
    draw.text((4, top), f"{highest * 100:.1f}%", "black", font)
    draw.text((4, bottom - 10), "0%", "black", font)
    image.save(out)
    return out
