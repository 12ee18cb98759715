"""Getting and judging recognition models: installing a DOI model through htrmopo
(`install.py`), refusing the demo model on real scans (`demo_guard.py`) and flagging a run's
manifests whose line confidence says the model does not fit the material (`confidence.py`).
Where model files are and how a reference resolves to them: barnacle.model_files."""
