"""The torch-free runtime: a model exported by ``tools/deployment/export_onnx.py`` (a folder
with ``model.onnx`` and ``model.json``) predicts on images and rasters with ONNX Runtime,
numpy, OpenCV and rasterio only, without PyTorch or OpenMMLab:

    python -m custom_modules.deploy predict MODEL_DIR IMAGES [--out-dir DIR] [--tile SIZE]
        [--precision fp32|int8]

One job a module: ``model_dir`` (``model.json``, checked), ``onnx_session`` (the ONNX
Runtime network), ``predictor`` (batching, test-time augmentation, ensembles, tiling),
``tasks`` (each task a class: post-processing, merging, its files), ``processing`` (each
numeric step once), ``augment`` (the views of TTA), ``drawing`` (pictures), ``files``
(folders in, result files out), ``rasters`` (window by window, in map coordinates),
``options`` (the options ``tools/infer.py`` shares). The export (with torch) is
``custom_modules.export``.
"""
from .files import predict_folder, read_images
from .model_dir import FORMAT, load_spec
from .onnx_session import OnnxNetwork, ensemble_networks, onnx_predictor
from .predictor import Predictor
from .tasks import task_for

__all__ = [
    'FORMAT', 'OnnxNetwork', 'Predictor', 'ensemble_networks', 'load_spec', 'onnx_predictor',
    'predict_folder', 'read_images', 'task_for'
]
