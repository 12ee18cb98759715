"""kraken's segmentation network in channels-last layout and in ONNX Runtime
(barnacle.ocr.fast_network) against kraken's own torch call: the same output on a strip, the
same lines, baselines and text on a real page; and where the substitution must leave kraken's
own network in place (switches, device, precision, kraken version, no onnxruntime)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from barnacle.ocr.fast_network import substitution
from barnacle.ocr.fast_network.onnx_net import OnnxNetwork, OnnxSegmentationNet

from support.torch_threads import one_torch_thread

SAMPLE_PAGE = Path(__file__).parent.parent / "data" / "sample" / "pages" / "book1-p1.jpg"


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread, as a page process has."""
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def segmenter() -> Any:
    """kraken's bundled baseline segmentation model (kraken's SegmentationTaskModel)."""
    from kraken.tasks import SegmentationTaskModel

    from barnacle.ocr import default_segmentation_model

    return SegmentationTaskModel.load_model(default_segmentation_model())


def test_onnx_output_matches_torch_on_a_strip(segmenter: Any) -> None:
    """A strip of a real page (another width than the export traced): the heatmap kraken
    thresholds (the sigmoid of the output) within 2e-3 of torch's (measured: 6e-4; other
    kernels sum in another order)."""
    import torch
    from PIL import Image

    net = segmenter.seg_models[0].nn.eval()
    with Image.open(SAMPLE_PAGE) as image:
        strip = image.convert("RGB").crop((0, 200, 120, 1100)).resize((240, 1800))
    x = torch.from_numpy(np.asarray(strip, np.float32) / 255).permute(2, 0, 1)[None]
    with torch.inference_mode():
        expected = torch.sigmoid(net(x)[0])
    ours = torch.sigmoid(OnnxNetwork.export(net, threads=1).output(x))
    assert ours.shape == expected.shape
    assert (ours - expected).abs().max().item() < 2e-3


def test_switch_and_where_kraken_keeps_its_own(
    segmenter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("cpu", "32-true", 1)
    assert substitution.install(segmenter, *args, enabled=False, channels_last=False) is None
    monkeypatch.setenv(substitution.SWITCH, "0")
    assert not substitution.enabled_by_environment()
    monkeypatch.setenv(substitution.SWITCH, "1")
    assert substitution.enabled_by_environment()
    monkeypatch.delenv(substitution.SWITCH)
    assert substitution.enabled_by_environment() is substitution.DEFAULT is False
    monkeypatch.setenv(substitution.CHANNELS_LAST_SWITCH, "off")
    assert not substitution.channels_last_by_environment()
    monkeypatch.delenv(substitution.CHANNELS_LAST_SWITCH)
    assert substitution.channels_last_by_environment()
    for device, precision in (("cuda:0", "32-true"), ("cpu", "bf16-mixed")):
        assert substitution.install(segmenter, device, precision, 1, True, None, True) is None
    monkeypatch.setattr(substitution, "kraken_version", lambda: "7.2.0")
    assert substitution.install(segmenter, *args, enabled=True, channels_last=True) is None
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails: not installed
    assert substitution.install(segmenter, *args, enabled=True, channels_last=False) is None
    assert substitution.install(segmenter, *args, enabled=True) == substitution.CHANNELS_LAST
    substitution.uninstall(segmenter)
    assert substitution.installed(segmenter) is None


def test_install_and_uninstall(segmenter: Any) -> None:
    import torch

    own = segmenter.seg_models[0].nn
    try:
        assert substitution.install(segmenter, "cpu", "32-true", 1, enabled=True) == "onnxruntime"
        assert substitution.installed(segmenter) == "onnxruntime"
        assert isinstance(segmenter.seg_models[0].nn, OnnxSegmentationNet)
        assert substitution.install(segmenter, "cpu", "32-true", 1, enabled=True)  # again
        assert segmenter.seg_models[0].nn.net is own
        layout = substitution.install(segmenter, "cpu", "32-true", 1, False, None, True)
        assert layout == substitution.installed(segmenter) == "channels-last"
        assert segmenter.seg_models[0].nn.net is own
        weight = next(p for p in own.parameters() if p.dim() == 4)
        assert weight.is_contiguous(memory_format=torch.channels_last)
    finally:
        substitution.uninstall(segmenter)
    assert segmenter.seg_models[0].nn is own
    assert all(p.is_contiguous() for p in own.parameters())


@pytest.mark.slow
def test_real_page_same_lines_baselines_and_text() -> None:
    """A sample page read with kraken's own network, in channels-last layout and with ONNX
    Runtime: the same number of lines, every baseline within 1 px, the same text."""
    from PIL import Image
    from shapely.geometry import LineString

    from barnacle.model_files.resolve import resolve_model
    from barnacle.ocr import KrakenEngine

    _, model = resolve_model(None)
    engine = KrakenEngine(model, threads=1, fast_network=False)
    assert engine.fast_network is None
    segmenter = engine._segmenter
    with Image.open(SAMPLE_PAGE) as image:
        image.load()
        own = engine.ocr(image)
        reads = []
        for onnx, layout in ((False, True), (True, False)):
            assert substitution.install(segmenter, "cpu", "32-true", 1, onnx, None, layout)
            reads.append(engine.ocr(image))
        substitution.uninstall(segmenter)
    assert len(own.lines) >= 10
    for fast in reads:
        assert len(fast.lines) == len(own.lines)
        for ours, theirs in zip(fast.lines, own.lines, strict=True):
            distance = LineString(ours.baseline).hausdorff_distance(LineString(theirs.baseline))
            assert distance <= 1
        assert fast.text == own.text


def test_failed_export_runs_krakens_own_network(
    segmenter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    def refuse(*args: Any, **kwargs: Any) -> OnnxNetwork:
        raise RuntimeError("exporter refuses")

    monkeypatch.setattr(OnnxNetwork, "export", refuse)
    net = segmenter.seg_models[0].nn.eval()
    stand_in = OnnxSegmentationNet(net, torch.zeros(1, 3, 1800, 64), threads=1)
    x = torch.rand(1, 3, 1800, 48)
    with torch.inference_mode():
        assert torch.equal(stand_in(x)[0], net(x)[0])
    assert stand_in.failed and stand_in.runner is None


def test_export_kept_in_the_cache_for_the_next_process(
    segmenter: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from barnacle.ocr.fast_network import onnx_net

    net = segmenter.seg_models[0].nn.eval()
    example = torch.zeros(1, 3, 1800, 32)
    OnnxNetwork.export(net, example, cache=tmp_path)
    (kept,) = (tmp_path / onnx_net.FOLDER).glob("*.onnx")
    exported = kept.read_bytes()

    def no_export(*args: Any) -> bytes:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_net, "_export", no_export)
    x = torch.rand(1, 3, 1800, 40)
    opened = OnnxNetwork.export(net, example, cache=tmp_path)  # opened, not exported
    assert opened.output(x).shape[:2] == (1, 4)
    kept.write_bytes(b"not a model")  # a broken file is made again
    monkeypatch.setattr(onnx_net, "_export", lambda *args: exported)
    assert OnnxNetwork.export(net, example, cache=tmp_path).output(x).shape[:2] == (1, 4)
    assert kept.read_bytes() == exported
