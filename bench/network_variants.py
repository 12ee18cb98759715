"""Ways to run kraken's segmentation network on a CPU, for bench/bench_network.py.

Each variant is built from the network (kraken's `TorchVGSLModel.nn`, a MultiParamSequential
whose forward gives `(output, seq_lens)`) and one example input, and returns a function from the
input tensor (1x3x1800xW) to the output tensor (1x4xH'xW'), as kraken's `_compute_segmentation_map`
uses it. Nothing here changes the network's weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch

from barnacle.ocr.fast_network.onnx_net import OutputOnly

Forward = Callable[[torch.Tensor], torch.Tensor]


def cpu_flags() -> set[str]:
    """The CPU's feature flags as /proc/cpuinfo lists them (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def native_bf16() -> bool:
    """Whether the CPU computes bf16 natively (AVX512-BF16 or AMX)."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def fp32(net: torch.nn.Module, example: torch.Tensor) -> Forward:
    """kraken's own call."""
    plain = OutputOnly(net).eval()
    return plain


def channels_last(net: torch.nn.Module, example: torch.Tensor) -> Forward:
    """Weights and input in NHWC memory layout (oneDNN's preferred layout for convolutions)."""
    plain = OutputOnly(net).eval().to(memory_format=torch.channels_last)
    return lambda x: plain(x.contiguous(memory_format=torch.channels_last))


def jit_frozen(net: torch.nn.Module, example: torch.Tensor) -> Forward:
    """Traced, frozen and `optimize_for_inference` (oneDNN fusion of convolutions)."""
    with torch.no_grad():
        traced = torch.jit.trace(OutputOnly(net).eval(), example, check_trace=False)
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    return frozen  # type: ignore[no-any-return]


def compiled(net: torch.nn.Module, example: torch.Tensor) -> Forward:
    """`torch.compile` (inductor), widths dynamic; the first call (compiling) is timed apart."""
    compiled_net = torch.compile(net.eval(), dynamic=True)
    return lambda x: compiled_net(x)[0]


def bf16(net: torch.nn.Module, example: torch.Tensor) -> Forward:
    """bf16 autocast with channels-last (needs native bf16 to be worth trying)."""
    inner = channels_last(net, example)

    def forward(x: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return inner(x).float()

    return forward


def onnxruntime(net: torch.nn.Module, example: torch.Tensor) -> Forward:
    """The network exported to ONNX and run by ONNX Runtime (barnacle's own path)."""
    from barnacle.ocr.fast_network.onnx_net import OnnxNetwork

    runner = OnnxNetwork.export(net, example, threads=torch.get_num_threads())
    return runner.output


VARIANTS: dict[str, Callable[[torch.nn.Module, torch.Tensor], Forward]] = {
    "fp32 (kraken's)": fp32,
    "channels-last": channels_last,
    "jit freeze + optimize_for_inference": jit_frozen,
    "torch.compile": compiled,
    "bf16 autocast + channels-last": bf16,
    "onnxruntime": onnxruntime,
}


def build(name: str, net: torch.nn.Module, example: torch.Tensor) -> tuple[Forward, float]:
    """The variant's forward function and the seconds it took to build and run once (export,
    tracing, compiling: what a page process pays once)."""
    started = time.perf_counter()
    with torch.inference_mode():
        forward = VARIANTS[name](net, example)
        forward(example)
    return forward, time.perf_counter() - started
