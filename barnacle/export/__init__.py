"""JSONL -> ALTO, PAGE XML, hOCR, plain text and IIIF annotations with derived manifests.

Reads only the run's records (and, for IIIF, the source manifest the worker cached): no OCR,
no HTTP. Where exports go: barnacle.run_folder; their URLs: barnacle.export.published_urls.
"""

from barnacle.export.published_urls import DEFAULT_PUBLISH_URL
from barnacle.export.run import ExportReport, ManifestExport, export_jsonl, export_run
from barnacle.export.writers import ExportOptions
from barnacle.run_folder.folder import EXPORT_FORMATS as FORMATS

__all__ = [
    "DEFAULT_PUBLISH_URL",
    "FORMATS",
    "ExportOptions",
    "ExportReport",
    "ManifestExport",
    "export_jsonl",
    "export_run",
]
