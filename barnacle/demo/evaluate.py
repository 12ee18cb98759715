"""Character error rate of a recognition model through kraken's full path.

Each page goes through kraken's default baseline segmentation (the bundled
``blla`` model) and then recognition with the model under test, in-process
through the kraken 7.x task API. Recognised lines are put in reading order
(top to bottom by baseline) and the page text is compared with the ground truth
by edit distance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


def levenshtein(a: Sequence[str], b: Sequence[str]) -> int:
    """Edit distance (insertions, deletions, substitutions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(prediction: str, truth: str) -> float:
    """Edit distance divided by the length of the ground truth."""
    return levenshtein(prediction, truth) / max(len(truth), 1)


@dataclass
class PageResult:
    name: str
    truth: str
    prediction: str
    errors: int

    @property
    def cer(self) -> float:
        return self.errors / max(len(self.truth), 1)


class Recognizer:
    """kraken's default segmenter + a recognition model, loaded once."""

    def __init__(self, model: str | Path, threads: int = 1) -> None:
        import torch
        from kraken.configs import RecognitionInferenceConfig, SegmentationInferenceConfig
        from kraken.tasks import RecognitionTaskModel, SegmentationTaskModel

        torch.set_num_threads(threads)
        self.segmenter = SegmentationTaskModel.load_model()
        self.recognizer = RecognitionTaskModel.load_model(str(model))
        # kraken 7.1.1: device='cpu' raises; accelerator='cpu' + device='auto' works.
        self.seg_config = SegmentationInferenceConfig(accelerator="cpu", device="auto")
        self.rec_config = RecognitionInferenceConfig(
            accelerator="cpu", device="auto", num_line_workers=0
        )

    def read(self, image: Image.Image) -> str:
        """Segment and recognise a page; lines top to bottom, one per row."""
        segmentation = self.segmenter.predict(image, self.seg_config)
        records = list(self.recognizer.predict(image, segmentation, self.rec_config))

        def top(record: object) -> float:
            baseline: list[tuple[float, float]] = getattr(record, "baseline", None) or [(0, 0)]
            return sum(y for _, y in baseline) / len(baseline)

        records.sort(key=top)
        return "\n".join(r.prediction.strip() for r in records if r.prediction.strip())


def evaluate_pages(
    model: str | Path, pages: Iterable[tuple[str, Image.Image, str]], threads: int = 1
) -> list[PageResult]:
    """CER per page for ``(name, image, ground-truth text)`` triples."""
    reader = Recognizer(model, threads=threads)
    results = []
    for name, image, truth in pages:
        prediction = reader.read(image)
        results.append(PageResult(name, truth, prediction, levenshtein(prediction, truth)))
    return results


def overall_cer(results: Sequence[PageResult]) -> float:
    """Total edit distance over total ground-truth length."""
    return sum(r.errors for r in results) / max(sum(len(r.truth) for r in results), 1)
