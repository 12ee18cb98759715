"""kraken's segmentation network exported to ONNX and run by ONNX Runtime on the CPU.

The export traces the network once (page width and height left free) into memory; ONNX
Runtime's CPU kernels then run each page's forward pass. `OnnxSegmentationNet` stands where
kraken keeps the network (`TorchVGSLModel.nn`) and answers kraken's call the way the network
does: `(output, seq_lens)`.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from barnacle.atomic import atomic_write_bytes
from barnacle.ocr.identity import kraken_version

log = logging.getLogger(__name__)

# Where exports are kept, under the cache folder the engine is given.
FOLDER = "onnx"
# The traced example: a narrow page of kraken's input height (the width is free in the graph).
_EXAMPLE_WIDTH = 256
_OPSET = 17


def network_key(net: torch.nn.Module, shape: Sequence[int]) -> str:
    """sha256 of what decides the export: torch, kraken and opset versions, the network's
    layers and weights, and the traced input's shape."""
    digest = hashlib.sha256()
    versions = (torch.__version__, kraken_version(), _OPSET, repr(net), tuple(shape))
    digest.update(repr(versions).encode())
    for name, tensor in net.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().numpy().tobytes())
    return digest.hexdigest()


class OutputOnly(torch.nn.Module):
    """The network with its output alone (tracers and exporters want one tensor out)."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output: torch.Tensor = self.net(x)[0]
        return output


def _export(net: torch.nn.Module, example: torch.Tensor) -> bytes:
    """The network as ONNX bytes, batch, height and width dynamic (kraken runs pages in
    inference mode, which tracing cannot run in: it is left for the export)."""
    free = {0: "batch", 2: "height", 3: "width"}
    with (
        tempfile.TemporaryDirectory(prefix="barnacle-onnx-") as folder,
        warnings.catch_warnings(),
        torch.inference_mode(False),
        torch.no_grad(),
    ):
        warnings.simplefilter("ignore")  # the exporter's notes on LSTMs and its own deprecation
        path = Path(folder) / "segmentation.onnx"
        torch.onnx.export(
            OutputOnly(net).eval(),
            (example.clone(),),
            path,
            dynamo=False,
            input_names=["image"],
            output_names=["heatmap"],
            dynamic_axes={"image": free, "heatmap": free},
            opset_version=_OPSET,
        )
        return path.read_bytes()


class OnnxNetwork:
    """An ONNX Runtime session of the exported network, `threads` intra-op threads."""

    def __init__(self, model: bytes, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def export(
        cls,
        net: torch.nn.Module,
        example: torch.Tensor | None = None,
        *,
        threads: int = 1,
        cache: Path | None = None,
    ) -> OnnxNetwork:
        """Export `net` (traced on `example`, else on a narrow blank page of the network's
        input height) and open it with `threads` threads. cache: the folder whose `onnx/`
        keeps exports for the next process (an export takes seconds, opening one does not);
        a stored export that does not open is removed and made again."""
        if example is None:
            example = torch.zeros(1, 3, 1800, _EXAMPLE_WIDTH)
        path = cache / FOLDER / f"{network_key(net, example.shape)}.onnx" if cache else None
        if path is not None and path.is_file():
            try:
                return cls(path.read_bytes(), threads)
            except Exception as err:  # onnxruntime's own types for a file it cannot read
                log.warning("stored ONNX export %s does not open (%s): exporting again", path, err)
                path.unlink(missing_ok=True)
        model = _export(net, example)
        runner = cls(model, threads)
        if path is not None:
            try:
                atomic_write_bytes(path, model)
            except OSError as err:  # a full or read-only cache costs the next export only
                log.warning("cannot keep the ONNX export in %s: %s", path.parent, err)
        return runner

    def output(self, image: torch.Tensor) -> torch.Tensor:
        """The network's output for one input tensor (NCHW, float32)."""
        array = image.detach().to("cpu", torch.float32).contiguous().numpy()
        (heatmap,) = self.session.run(None, {"image": array})
        return torch.from_numpy(heatmap)


class OnnxSegmentationNet(torch.nn.Module):
    """Stands in for kraken's segmentation network: the forward pass runs in ONNX Runtime,
    exported on the first page (so a process that never segments never pays for it). The
    original network stays inside: its parameters tell kraken the model's dtype, and it runs
    the pages itself if the export fails."""

    def __init__(
        self,
        net: torch.nn.Module,
        example: torch.Tensor,
        threads: int,
        cache: Path | None = None,
    ) -> None:
        super().__init__()
        self.net = net
        self.example = example
        self.threads = threads
        self.cache = cache
        self.runner: OnnxNetwork | None = None
        self.failed = False
        self._lock = threading.Lock()

    def _runner(self) -> OnnxNetwork | None:
        with self._lock:
            if self.runner is None and not self.failed:
                try:
                    self.runner = OnnxNetwork.export(
                        self.net, self.example, threads=self.threads, cache=self.cache
                    )
                except Exception as err:  # an exporter or runtime refusing this network
                    log.warning("kraken's own segmentation network runs: no ONNX export (%s)", err)
                    self.failed = True
        return self.runner

    def forward(
        self, x: torch.Tensor, seq_lens: Any = None, output_shape: Any = None
    ) -> tuple[torch.Tensor, Any]:
        runner = self._runner()
        if runner is None:
            output: tuple[torch.Tensor, Any] = self.net(x, seq_lens)
            return output
        return runner.output(x), seq_lens
