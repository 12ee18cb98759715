"""Kraken 7 in-process: baseline segmentation and line recognition for PIL images.

The models are loaded once per engine; each page is then `ocr(image)`. This module knows
nothing of manifests, URLs or files other than the model files.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from barnacle.defaults import BATCH_SIZE, DEVICE, PRECISION, THREADS
from barnacle.ocr.device import check_device_available, kraken_device
from barnacle.ocr.errors import OcrError
from barnacle.ocr.fast_network import install as install_fast_network
from barnacle.ocr.fast_postprocess import install as install_fast_postprocess
from barnacle.ocr.identity import ModelIdentity
from barnacle.ocr.result import OcrLine, OcrTimings, PageOcr, Point
from barnacle.ocr.segmentation_cache import SegmentationCache, segmentation_key

if TYPE_CHECKING:
    from kraken.containers import Segmentation, ocr_record

_KRAKEN_MODES = ("1", "L", "RGB")
# The kraken release whose segmentation calls `_compute_segmentation_map` once a page, so that
# a network pass made ahead (NetworkPass) can stand in for that call.
NETWORK_AHEAD_KRAKEN = "7.1.1"


@dataclass(frozen=True)
class NetworkPass:
    """A page's segmentation network output, made ahead of its post-processing: the image in
    kraken's mode (the one `ocr` must be given) and what kraken's `_compute_segmentation_map`
    returned for it."""

    image: Image.Image
    maps: dict[str, Any]


def default_segmentation_model() -> Path:
    """kraken's bundled baseline layout model (blla.mlmodel)."""
    return Path(str(resources.files("kraken").joinpath("blla.mlmodel")))


def _points(values: Any) -> list[Point]:
    return [(round(x), round(y)) for x, y in (values or [])]


def _cuts(record: ocr_record) -> list[tuple[int, int]] | None:
    """kraken's raw per-character positions along the baseline: (start, end) distances. The
    public `cuts` of a baseline record are polygons computed from these, so the raw pairs
    (what kraken's BaselineOCRRecord is built from) are what the page record keeps."""
    raw = getattr(record, "_cuts", None)
    if not raw or len(raw) != len(record.prediction):
        return None
    try:
        return [(round(start), round(end)) for start, end in raw]
    except (TypeError, ValueError):  # a bbox record's cuts are polygons, not distance pairs
        return None


def _line(record: ocr_record) -> OcrLine:
    confidences = list(record.confidences or [])
    cuts = _cuts(record)
    return OcrLine(
        text=record.prediction,
        baseline=_points(getattr(record, "baseline", None)),
        boundary=_points(getattr(record, "boundary", None)),
        confidence=sum(confidences) / len(confidences) if confidences else None,
        cuts=cuts,
        confidences=[round(float(c), 4) for c in confidences] if cuts is not None else None,
    )


def _kraken_image(image: Image.Image) -> Image.Image:
    """The image in a mode kraken handles (1, L or RGB); palette/alpha/16-bit are converted."""
    if image.mode in _KRAKEN_MODES:
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return image.convert("L")
    return image.convert("RGB")


def _ordered(segmentation: Segmentation) -> Segmentation:
    """Lines in the final reading order: a neural order (the last in line_orders) when the
    segmentation model brought one, else the order kraken already sorted them into."""
    from dataclasses import replace

    lines = segmentation.lines or []
    orders = segmentation.line_orders or []
    if not orders or sorted(orders[-1]) != list(range(len(lines))):
        return segmentation
    return replace(segmentation, lines=[lines[i] for i in orders[-1]])


def _check_model_files(recognition: Path, segmentation: Path) -> None:
    """OcrError naming the model file that is missing."""
    for path, role in ((recognition, "recognition"), (segmentation, "segmentation")):
        if not path.is_file():
            raise OcrError(f"{role} model {path} not found (train or copy one there first)")


def _torch_threads(threads: int) -> None:
    """torch imported quietly and set to `threads` intra-op threads."""
    # torch warns at import when triton (torch.compile's GPU kernel compiler, left out of our
    # image) is missing; inference never uses it.
    logging.getLogger("torch.utils.flop_counter").setLevel(logging.ERROR)
    import torch

    torch.set_num_threads(threads)


class KrakenEngine:
    """Segmentation (blla by default) + one recognition model, loaded once.

    device: 'cpu', 'cuda' or 'cuda:N'. threads: torch intra-op threads for this process.
    line_workers: kraken's line-extraction worker processes (0 = in this process, which
    suits one-core SLURM tasks). precision: kraken's (32-true, bf16-mixed, ...).
    segmentation_cache: where page segmentations are kept for reuse (None: not kept).
    fast_postprocess: barnacle's equivalent, faster ridge filter in kraken 7.1.1's baseline
    post-processing, on `device` (None: unless BARNACLE_FAST_POSTPROCESS=0; other kraken
    versions always run their own). fast_network: False runs kraken's own segmentation
    network; otherwise, on a CPU at 32-true with kraken 7.1.1, the environment decides
    (barnacle.ocr.fast_network: channels-last layout by default, ONNX Runtime with
    BARNACLE_ONNX_NETWORK=1, its export kept beside the segmentation cache); the engine's
    `fast_network` then names what runs ('channels-last', 'onnxruntime' or None). Raises
    OcrError when a model cannot be loaded.
    """

    def __init__(
        self,
        model_path: Path | str,
        *,
        device: str = DEVICE,
        threads: int = THREADS,
        segmentation_model_path: Path | str | None = None,
        batch_size: int = BATCH_SIZE,
        line_workers: int = 0,
        text_direction: str = "horizontal-lr",
        precision: str = PRECISION,
        segmentation_cache: SegmentationCache | None = None,
        fast_postprocess: bool | None = None,
        fast_network: bool | None = None,
    ) -> None:
        if threads < 1:
            raise OcrError(f"threads must be at least 1, not {threads}")
        check_device_available(device)
        self.device = device
        self.threads = threads
        self.accelerator, self.kraken_device = kraken_device(device)
        self.model_path = Path(model_path)
        self.segmentation_model_path = Path(segmentation_model_path or default_segmentation_model())
        _check_model_files(self.model_path, self.segmentation_model_path)
        _torch_threads(threads)

        from kraken.configs import RecognitionInferenceConfig, SegmentationInferenceConfig
        from kraken.tasks import RecognitionTaskModel, SegmentationTaskModel

        common: dict[str, Any] = {
            "accelerator": self.accelerator,
            "device": self.kraken_device,
            "batch_size": batch_size,
            "num_threads": threads,
            "precision": precision,
        }
        self._seg_config = SegmentationInferenceConfig(text_direction=text_direction, **common)
        self._rec_config = RecognitionInferenceConfig(num_line_workers=line_workers, **common)
        self._segmenter = self._load(SegmentationTaskModel, self.segmentation_model_path)
        self.fast_postprocess = install_fast_postprocess(device, fast_postprocess)
        own_network = False if fast_network is False else None
        self.fast_network = install_fast_network(
            self._segmenter,
            device,
            precision,
            threads,
            enabled=own_network,
            cache=segmentation_cache.root.parent if segmentation_cache else None,
            channels_last=own_network,
        )
        self._recogniser = self._load(RecognitionTaskModel, self.model_path)
        self.model = ModelIdentity.of(self.model_path)
        self.segmentation_model = ModelIdentity.of(self.segmentation_model_path)
        self.segmentation_cache = segmentation_cache
        self._lock = threading.Lock()
        self._segmentation_settings = {
            "kraken": self.segmentation_model.engine_version,
            "text_direction": text_direction,
        }

    @staticmethod
    def _load(task: Any, path: Path) -> Any:
        try:
            return task.load_model(path)
        except (ValueError, RuntimeError, OSError) as err:
            raise OcrError(f"cannot load {path} as a kraken model: {err}") from err

    @property
    def engine_version(self) -> str:
        return self.model.engine_version

    def segment(self, image: Image.Image) -> Segmentation:
        """Baseline segmentation, lines in reading order. Raises OcrError(stage='segment')."""
        try:
            segmentation = self._segmenter.predict(_kraken_image(image), self._seg_config)
        except Exception as err:  # kraken raises many types for misshapen input
            raise OcrError(f"segmentation failed: {type(err).__name__}: {err}", "segment") from err
        return _ordered(segmentation)

    def recognise(self, image: Image.Image, segmentation: Segmentation) -> list[OcrLine]:
        """Recognise every line of `segmentation`. Raises OcrError(stage='recognise')."""
        if not segmentation.lines:
            return []
        try:
            records = self._recogniser.predict(_kraken_image(image), segmentation, self._rec_config)
            return [_line(record) for record in records]
        except Exception as err:
            raise OcrError(f"recognition failed: {type(err).__name__}: {err}", "recognise") from err

    def segment_or_reuse(self, image: Image.Image, image_sha256: str | None) -> Segmentation:
        """The page's segmentation from the cache when it is there (same image, segmentation
        model and settings), else made and stored."""
        if self.segmentation_cache is None or image_sha256 is None:
            return self.segment(image)
        key = self._segmentation_key(image_sha256)
        return self.segmentation_cache.get_or_make(key, lambda: self.segment(image))

    def _segmentation_key(self, image_sha256: str) -> str:
        return segmentation_key(
            image_sha256, self.segmentation_model.sha256, self._segmentation_settings
        )

    def has_cached_segmentation(self, image_sha256: str | None) -> bool:
        """Whether the segmentation cache holds this image's segmentation already."""
        if self.segmentation_cache is None or image_sha256 is None:
            return False
        return self.segmentation_cache.path_for(self._segmentation_key(image_sha256)).is_file()

    @property
    def network_ahead_possible(self) -> bool:
        """Whether a page's network pass can be made ahead (`network_pass`): one segmentation
        model, and the kraken release whose segmentation calls it once a page."""
        return (
            len(self._segmenter.seg_models) == 1
            and self.segmentation_model.engine_version == NETWORK_AHEAD_KRAKEN
        )

    def network_pass(self, image: Image.Image) -> NetworkPass:
        """kraken's segmentation network on one page, as kraken's own segmentation runs it,
        for `ocr(..., network_pass=...)`: it may run in a thread while another page is
        post-processed. Raises OcrError(stage='segment')."""
        import torch

        model = self._segmenter.seg_models[0]
        image = _kraken_image(image)
        try:
            with self._lock:  # kraken sets the model up for inference on its first use
                if getattr(model, "_fabric", None) is None:
                    model.prepare_for_inference(self._seg_config)
            with torch.inference_mode(), model._fabric.init_tensor():
                maps = type(model)._compute_segmentation_map(model, image)
        except Exception as err:  # kraken raises many types for misshapen input
            raise OcrError(f"segmentation failed: {type(err).__name__}: {err}", "segment") from err
        return NetworkPass(image=image, maps=maps)

    @contextmanager
    def _made_ahead(self, ahead: NetworkPass | None) -> Iterator[None]:
        """Inside: kraken's segmentation of `ahead.image` takes the network output made
        ahead instead of running the network again (any other image runs it as usual)."""
        if ahead is None:
            yield
            return
        model = self._segmenter.seg_models[0]
        own = type(model)._compute_segmentation_map

        def compute(image: Image.Image) -> dict[str, Any]:
            return ahead.maps if image is ahead.image else own(model, image)

        model._compute_segmentation_map = compute
        try:
            yield
        finally:
            del model._compute_segmentation_map

    def ocr(
        self,
        image: Image.Image,
        image_sha256: str | None = None,
        network_pass: NetworkPass | None = None,
    ) -> PageOcr:
        """Segment (or reuse the cached segmentation of `image_sha256`) and recognise one
        page image. network_pass: the page's network output made ahead (`network_pass`;
        `image` must then be its image)."""
        image = _kraken_image(image)
        ahead = network_pass if network_pass is not None and network_pass.image is image else None
        started = time.perf_counter()
        with self._made_ahead(ahead):
            segmentation = self.segment_or_reuse(image, image_sha256)
        segmented = time.perf_counter()
        lines = self.recognise(image, segmentation)
        done = time.perf_counter()
        return PageOcr(
            text="\n".join(line.text for line in lines),
            lines=lines,
            width=image.width,
            height=image.height,
            timings_ms=OcrTimings(
                segment=(segmented - started) * 1000, recognise=(done - segmented) * 1000
            ),
        )
