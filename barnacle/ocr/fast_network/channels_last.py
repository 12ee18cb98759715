"""kraken's segmentation network in channels-last memory layout (NHWC) on the CPU: oneDNN's
convolutions run faster on it (3-7 % of the forward pass on one thread here), with the same
lines, baselines and text on the 12 sample and Lapidus pages (bench/bench_network.py)."""

from __future__ import annotations

from typing import Any

import torch


class ChannelsLastNet(torch.nn.Module):
    """Stands in for kraken's segmentation network: the same network, its weights and each
    page's input in channels-last layout; answers kraken's call as the network does."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net.to(memory_format=torch.channels_last)

    def forward(
        self, x: torch.Tensor, seq_lens: Any = None, output_shape: Any = None
    ) -> tuple[torch.Tensor, Any]:
        output: tuple[torch.Tensor, Any] = self.net(
            x.contiguous(memory_format=torch.channels_last), seq_lens
        )
        return output

    def own(self) -> torch.nn.Module:
        """kraken's network back in its own layout."""
        return self.net.to(memory_format=torch.contiguous_format)
