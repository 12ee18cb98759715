"""The bundled sample collection and a small, real IIIF server for it (demo and tests).

Modules:

* :mod:`barnacle.sample.books` -- the collection description (``books.json``).
* :mod:`barnacle.sample.presentation` -- Presentation 2.1 / 3.0 manifests and collections.
* :mod:`barnacle.sample.image_api` -- Image API 2.1 / 3.0 on the ``iiif`` reference package.
* :mod:`barnacle.sample.app` -- the Flask app factory.
* :mod:`barnacle.sample.serve` -- run it in-process (:func:`serve_sample`) or in the foreground.

Flask and ``iiif`` come with the ``sample`` extra; import the submodules that need them
only where they are installed.
"""

from __future__ import annotations

from barnacle.sample.books import Book, Page, SampleCollection, load_books

__all__ = ["Book", "Page", "SampleCollection", "load_books"]
