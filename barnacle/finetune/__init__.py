"""`barnacle finetune`: train a recognition model on transcribed pages with kraken's trainer,
install it by name beside the DOI models, and compare it with its base on held-out pages."""

from barnacle.finetune.run import FinetuneError, FinetuneOutcome, finetune

__all__ = ["FinetuneError", "FinetuneOutcome", "finetune"]
