"""Deployment: the export and the torch-free runtime.

The runtime: a model exported by ``tools/deployment/export_onnx.py`` (a folder
with ``model.onnx`` and ``model.json``) predicts on images with ONNX Runtime, numpy and
OpenCV only, without PyTorch or OpenMMLab:

    python -m custom_modules.deploy predict MODEL_DIR IMAGES [--out-dir DIR] [--tile SIZE]

``processing`` holds each step once (pre-processing, post-processing per task, tiling),
``drawing`` the pictures, ``runtime`` the model folder, the ONNX Runtime network and the
prediction loop with its result files; none of them imports torch. ``export`` (with
torch) builds each task's network from a config and checkpoint, writes ``model.onnx`` and
``model.json``, and gives ``tools/infer.py`` the same network in PyTorch; ``parity``
checks an export against the training stack.
"""
