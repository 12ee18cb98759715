"""Another recognition model for tests and benchmarks: the demo weights saved again with one
more metadata entry, so the file (and its sha256, the model's identity) differs while the
text it reads stays the same. Importable from bench/ as `tests.support`."""

from __future__ import annotations

from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "data" / "models" / "barnacle-demo.safetensors"


def demo_copy_with_other_sha(folder: Path, name: str = "other.safetensors") -> Path:
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(DEMO), "pt") as handle:
        metadata = dict(handle.metadata() or {})
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    path = folder / name
    save_file(tensors, str(path), metadata={**metadata, "barnacle_copy": name})
    return path
