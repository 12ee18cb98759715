"""The Kraken engine, with a tiny untrained recognition model made here by kraken's own API.

An untrained model reads nonsense, so these tests check plumbing (lines, geometry, order,
confidences, identity, devices), not accuracy. Full-page segmentation takes ~20 s on one
CPU thread and is marked slow.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from barnacle.ocr import (
    KrakenEngine,
    ModelIdentity,
    OcrError,
    PageOcr,
    default_segmentation_model,
    kraken_device,
)

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_NAMES = ("DejaVuSerif.ttf", "DejaVuSans.ttf", "LiberationSerif-Regular.ttf")
TEXT = [
    "It was the best of times, it was the worst",
    "of times, it was the age of wisdom, it was",
    "the age of foolishness, it was the epoch of",
    "belief, it was the epoch of incredulity.",
]
CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:'-"
LEFT, TOP, LEADING, FONT_SIZE = 60, 90, 90, 30


def font() -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        for name in FONT_NAMES:
            if (folder / name).is_file():
                return ImageFont.truetype(str(folder / name), FONT_SIZE)
    pytest.skip("no DejaVu or Liberation font installed")


def render_page(lines: list[str] = TEXT, size: tuple[int, int] = (800, 600)) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    face = font()
    for number, text in enumerate(lines):
        draw.text((LEFT, TOP + number * LEADING), text, font=face, fill=0)
    return image


def baseline_y(number: int) -> int:
    ascent, _ = font().getmetrics()
    return TOP + number * LEADING + ascent


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained VGSL recognition model with a small codec, saved as safetensors."""
    from kraken.lib.vgsl import TorchVGSLModel
    from kraken.models.writers import write_safetensors

    codec = {char: [index + 1] for index, char in enumerate(CHARS)}
    spec = f"[1,48,0,1 Cr3,3,16 Mp2,2 Cr3,3,32 Mp2,2 S1(1x12)1,3 Lbx32 O1c{len(CHARS) + 1}]"
    model = TorchVGSLModel(
        vgsl=spec,
        codec=codec,
        model_type=["recognition"],
        seg_type="baselines",
        one_channel_mode="L",
    )
    model.use_legacy_polygons = False
    path = tmp_path_factory.mktemp("models") / "tiny.safetensors"
    return Path(write_safetensors([model], path))


@pytest.fixture(scope="session")
def engine(tiny_model: Path) -> KrakenEngine:
    return KrakenEngine(tiny_model, device="cpu", threads=1)


def manual_segmentation(image: Image.Image):  # -> kraken.containers.Segmentation
    """Baselines where render_page drew the text, so recognition runs without the segmenter."""
    from kraken.containers import BaselineLine, Segmentation

    lines = []
    for number in range(len(TEXT)):
        y = baseline_y(number)
        right = image.width - LEFT
        lines.append(
            BaselineLine(
                id=f"_{uuid.uuid4()}",
                baseline=[[LEFT, y], [right, y]],
                boundary=[[LEFT, y - 30], [right, y - 30], [right, y + 8], [LEFT, y + 8]],
            )
        )
    return Segmentation(
        type="baselines",
        imagename="rendered",
        text_direction="horizontal-lr",
        script_detection=False,
        lines=lines,
    )


# --- devices ----------------------------------------------------------------------------


def test_device_mapping() -> None:
    assert kraken_device("cpu") == ("cpu", "auto")
    assert kraken_device("cuda") == ("gpu", [0])
    assert kraken_device("cuda:0") == ("gpu", [0])
    assert kraken_device(" CUDA:3 ") == ("gpu", [3])
    for bad in ("gpu", "cuda:x", "tpu:0", "auto", ""):
        with pytest.raises(OcrError, match="unknown device"):
            kraken_device(bad)


def test_device_mapping_matches_kraken_cli() -> None:
    """kraken's own CLI maps --device the same way (ketos.util.to_ptl_device)."""
    from kraken.ketos.util import to_ptl_device

    for device in ("cpu", "cuda:0", "cuda:2"):
        assert kraken_device(device) == to_ptl_device(device)


def test_cuda_without_a_gpu_is_a_clear_error(tiny_model: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(OcrError, match="CUDA is not available"):
        KrakenEngine(tiny_model, device="cuda:0")


# --- loading and identity ---------------------------------------------------------------


def test_identity(engine: KrakenEngine, tiny_model: Path) -> None:
    assert isinstance(engine.model, ModelIdentity)
    assert engine.model.sha256 == hashlib.sha256(tiny_model.read_bytes()).hexdigest()
    assert engine.model.path == str(tiny_model.resolve())
    assert engine.model.bytes == tiny_model.stat().st_size
    assert engine.engine_version == importlib.metadata.version("kraken")
    assert engine.segmentation_model.path == str(default_segmentation_model().resolve())
    assert default_segmentation_model().name == "blla.mlmodel"


def test_threads_are_set(engine: KrakenEngine) -> None:
    import torch

    assert engine.threads == 1
    assert torch.get_num_threads() == 1


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OcrError, match="not found"):
        KrakenEngine(tmp_path / "nope.mlmodel")


def test_non_model_file_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mlmodel"
    junk.write_bytes(b"this is not a model")
    with pytest.raises(OcrError, match="cannot load"):
        KrakenEngine(junk)


def test_segmentation_model_is_not_a_recognition_model() -> None:
    with pytest.raises(OcrError, match="cannot load"):
        KrakenEngine(default_segmentation_model())


# --- recognition (fast: given baselines) ------------------------------------------------


def test_recognise_given_baselines(engine: KrakenEngine) -> None:
    image = render_page()
    segmentation = manual_segmentation(image)
    lines = engine.recognise(image, segmentation)
    assert len(lines) == len(TEXT)
    for number, line in enumerate(lines):
        assert isinstance(line.text, str)
        assert set(line.text) <= set(CHARS)
        assert line.baseline[0] == (LEFT, baseline_y(number))
        assert len(line.boundary) >= 4
        if line.text:
            assert line.confidence is not None and 0.0 <= line.confidence <= 1.0
        else:
            assert line.confidence is None


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "1"])
def test_recognise_any_image_mode(engine: KrakenEngine, mode: str) -> None:
    image = render_page().convert(mode)
    assert len(engine.recognise(image, manual_segmentation(image))) == len(TEXT)


@pytest.mark.parametrize("batch_size", [1, 3])
def test_recognition_batches_lines(
    tiny_model: Path, batch_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines of a page go to the recognition network `batch_size` at a time (what keeps a
    GPU busy), the last batch holding the rest."""
    from kraken.models.ctc import CTCRecognitionInferenceMixin

    batches: list[int] = []
    own = CTCRecognitionInferenceMixin._rec_predict

    def counted(model: Any, lines: Any, lens: Any = None) -> Any:
        batches.append(lines.shape[0])
        return own(model, lines, lens)

    monkeypatch.setattr(CTCRecognitionInferenceMixin, "_rec_predict", counted)
    batched = KrakenEngine(tiny_model, device="cpu", threads=1, batch_size=batch_size)
    image = render_page()
    assert len(batched.recognise(image, manual_segmentation(image))) == len(TEXT)
    assert batches == ([1, 1, 1, 1] if batch_size == 1 else [3, 1])


def test_recognise_no_lines(engine: KrakenEngine) -> None:
    from kraken.containers import Segmentation

    empty = Segmentation(
        type="baselines",
        imagename="x",
        text_direction="horizontal-lr",
        script_detection=False,
        lines=[],
    )
    assert engine.recognise(render_page(), empty) == []


def test_recognise_on_gpu(tiny_model: Path) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no GPU here")
    gpu = KrakenEngine(tiny_model, device="cuda:0")
    image = render_page()
    assert len(gpu.recognise(image, manual_segmentation(image))) == len(TEXT)


# --- the whole page (slow: blla segmentation on CPU) ------------------------------------


@pytest.mark.slow
def test_ocr_page(engine: KrakenEngine) -> None:
    page = engine.ocr(render_page())
    assert isinstance(page, PageOcr)
    assert (page.width, page.height) == (800, 600)
    assert len(page.lines) >= len(TEXT)
    assert page.text == "\n".join(line.text for line in page.lines)
    assert page.text.count("\n") == len(page.lines) - 1
    # reading order: top to bottom, and every rendered line has a baseline near it
    tops = [min(y for _, y in line.baseline) for line in page.lines]
    assert tops == sorted(tops)
    for number in range(len(TEXT)):
        assert any(abs(line.baseline[0][1] - baseline_y(number)) < 15 for line in page.lines)
    assert page.timings_ms.segment > 0 and page.timings_ms.recognise > 0
    print(
        f"\n800x600 page, {len(page.lines)} lines: segment {page.timings_ms.segment:.0f} ms, "
        f"recognise {page.timings_ms.recognise:.0f} ms"
    )


@pytest.mark.slow
def test_blank_page_has_no_lines(engine: KrakenEngine) -> None:
    page = engine.ocr(Image.new("RGB", (400, 300), "white"))
    assert page.lines == [] and page.text == ""
