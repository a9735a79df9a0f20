"""The torch-free runtime: a model exported by ``tools/deployment/export_onnx.py`` (a folder
with ``model.onnx`` and ``model.json``) predicts on images with ONNX Runtime, numpy and
OpenCV only, without PyTorch or OpenMMLab:

    python -m custom_modules.deploy predict MODEL_DIR IMAGES [--out-dir DIR] [--tile SIZE]

``processing`` holds each step once (pre-processing, post-processing per task, tiling),
``drawing`` the pictures, ``runtime`` the model folder, the ONNX Runtime network and the
prediction loop with its result files. ``tools/infer.py`` runs the same steps with the
PyTorch network of a config and checkpoint (``custom_modules.export``).
"""
