"""Synthetic book pages and the project's small demo recognition model.

Modules:

* :mod:`barnacle.demo.passages` -- the passages pages are set from.
* :mod:`barnacle.demo.texts` -- deterministic text in French, English and Latin.
* :mod:`barnacle.demo.render` -- book-like page images with known lines.
* :mod:`barnacle.demo.training_data` -- PAGE XML training data for ``ketos``.
* :mod:`barnacle.demo.evaluate` -- CER through kraken's full inference path.
* :mod:`barnacle.demo.training` -- the stages of scripts/train-demo-model; its card in
  :mod:`barnacle.demo.model_card`.
"""
