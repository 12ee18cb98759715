"""JSONL -> ALTO, PAGE XML, hOCR, plain text and IIIF annotations with derived manifests.

Reads only the run's records (and, for IIIF, the source manifest the worker cached): no OCR,
no HTTP. Layout and URLs: barnacle.export.layout.
"""

from barnacle.export.layout import DEFAULT_PUBLISH_URL, FORMATS
from barnacle.export.run import ExportReport, ManifestExport, export_jsonl, export_run
from barnacle.export.writers import ExportOptions

__all__ = [
    "DEFAULT_PUBLISH_URL",
    "FORMATS",
    "ExportOptions",
    "ExportReport",
    "ManifestExport",
    "export_jsonl",
    "export_run",
]
