"""Segment a folder of new images: class-index masks and overlay pictures."""
import os
import os.path as osp

import mmcv
import numpy as np

from ..checkpoints import check_checkpoint_fits
from ..datasets.image_files import list_images, read_images
from .visualization import overlay


def segment_folder(config, checkpoint, source, out_dir, device='cpu', on_bad='skip'):
    """Predict every image of ``source`` with the model of ``config`` (a path or a loaded
    ``Config``; its ``test_cfg`` decides whole-image or sliding-window inference). Writes
    ``<name>_mask.png`` (class indices) and ``<name>_overlay.png``; returns the pixel share
    of each class."""
    from mmseg.apis import inference_model, init_model

    images = list_images(source)
    model = init_model(config, checkpoint, device=device)
    check_checkpoint_fits(checkpoint, model)
    # New images have no masks: drop our mask loader as mmseg drops its LoadAnnotations.
    model.cfg.test_pipeline = [
        t for t in model.cfg.test_pipeline if t['type'] != 'LoadValueMapAnnotations'
    ]
    classes, palette = model.dataset_meta['classes'], model.dataset_meta['palette']
    os.makedirs(out_dir, exist_ok=True)
    counts = np.zeros(len(classes))
    for path, img in read_images(images, out_dir, on_bad):
        labels = inference_model(model, img).pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        stem = osp.splitext(osp.basename(path))[0]
        mmcv.imwrite(labels, osp.join(out_dir, f'{stem}_mask.png'))
        mmcv.imwrite(overlay(img, labels, palette), osp.join(out_dir, f'{stem}_overlay.png'))
        counts += np.bincount(labels.ravel(), minlength=len(classes))[:len(classes)]
    return dict(zip(classes, (counts / counts.sum()).round(4).tolist()))
