#!/usr/bin/env bash
# The wheels a borrowed GPU machine lacks (it has torch and CUDA but no package index): kraken
# 7.1.1 and what it brings that is not there, plus ONNX Runtime (the CPU-only rows), for
# CPython 3.12 on manylinux x86_64, into build/gpu-wheels (ignored by git; the device `run`
# carries it). On the machine: pip install --no-index --no-deps --target SITE build/gpu-wheels/*
# and PYTHONPATH=SITE:$PWD (bench/README.md has the whole command).
#   bash bench/gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/gpu-wheels
mkdir -p "$out"
pins=$(.venv/bin/python -c 'import pydantic, pydantic_core
print(f"pydantic=={pydantic.VERSION} pydantic-core=={pydantic_core.__version__}")')
# shellcheck disable=SC2086
.venv/bin/python -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --dest "$out" \
    kraken==7.1.1 coremltools==9.0 htrmopo==0.6 iso639-lang jsonschema jsonschema-specifications \
    referencing rpds-py platformdirs shapely==2.1.2 $pins annotated-types typing-inspection \
    flufl-lock sickle iiif flask itsdangerous blinker configargparse cattrs pyaml atpublic \
    typing_extensions onnx==1.23.2 onnxruntime==1.32.0 ml_dtypes flatbuffers protobuf
du -sh "$out"
