"""The export (with torch): each task's network from a config and checkpoint as a plain
module (``onnx_export``: ``model.onnx`` and ``model.json``; the PyTorch network
``tools/infer.py`` runs), the PyTorch side of each task (``tasks``), and the parity check
of an export against the training stack (``parity``). The runtime it exports for is
``custom_modules.deploy``, which imports no torch."""
