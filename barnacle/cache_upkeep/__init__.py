"""The shared cache's life: what it holds (`make cache-size`) and removing the page images of
a run's finished manifests (`make clean-cache`), never those a manifest still needs."""

from barnacle.cache_upkeep.clean import CleanReport, clean_run_images
from barnacle.cache_upkeep.run_images import RunImages, run_images
from barnacle.cache_upkeep.usage import CacheUsage, cache_usage

__all__ = [
    "CacheUsage",
    "CleanReport",
    "RunImages",
    "cache_usage",
    "clean_run_images",
    "run_images",
]
