"""A model folder (``model.onnx`` + ``model.json``), its ONNX Runtime network, and the
prediction loop every backend shares: read an image, pre-process, run the network
(whole or tile by tile), post-process, write pictures and result files."""
import csv
import itertools
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

from .. import commands
from ..errors import ZooError as DeployError  # torch-free; the tools print it in one line
from . import augment, drawing, processing

FORMAT = 'mlmondays-zoo-onnx/1'
TASKS = ('classification', 'embedding', 'detection', 'segmentation')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
DETECTION_COLUMNS = ('filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax')


def load_spec(model_dir):
    """``model.json`` of a model folder, checked."""
    path = osp.join(model_dir, 'model.json')
    if not osp.isfile(path):
        raise DeployError(f'{model_dir} has no model.json: export a model into it with ' +
                          commands.export('CONFIG', 'CHECKPOINT', model_dir))
    try:
        with open(path) as f:
            spec = json.load(f)
    except ValueError as err:
        raise DeployError(f'{path} is not valid JSON: {err}') from None
    if spec.get('format') != FORMAT or spec.get('task') not in TASKS:
        raise DeployError(f'{path} is not a model description of this zoo (format '
                          f'{spec.get("format")!r}, task {spec.get("task")!r}); re-export it')
    return spec


class OnnxNetwork:
    """``model.onnx`` in ONNX Runtime: an N x C x H x W float32 input -> list of outputs."""

    def __init__(self, model_dir, spec, threads=None):
        import onnxruntime as ort
        path = osp.join(model_dir, 'model.onnx')
        if not osp.isfile(path):
            raise DeployError(f'{model_dir} has no model.onnx')
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
        found = [o.name for o in self.session.get_outputs()]
        if found != spec['outputs']:
            raise DeployError(f'{path} has outputs {found} but model.json describes a '
                              f'{spec["task"]} model with outputs {spec["outputs"]}: the two '
                              'files come from different exports')
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, x):
        return self.session.run(None, {self.input_name: x})


class Predictor:
    """Pre-processing, a network (ONNX Runtime, or the PyTorch module of a config), and
    post-processing. ``predict_many`` sends images whose network inputs have one shape
    through the network together, ``batch_size`` at a time; ``tile`` splits large images
    into overlapping windows (detection and segmentation), predicted one at a time, and
    is the window of rasters (``rasters``; classification too)."""

    def __init__(self, spec, network, tile=None, overlap=0, batch_size=1, tta='none', ensemble=()):
        self.spec, self.network, self.tile, self.overlap = spec, network, tile, overlap
        self.batch_size = batch_size
        self.views, self.networks = augment.views(tta), [network, *ensemble]
        if tile and spec['task'] == 'embedding':
            raise DeployError('--tile: an embedding model sees whole images; tiles are for '
                              'detection, segmentation and classified raster windows')
        if tile and spec['task'] != 'classification' and not 0 <= overlap < tile:
            raise DeployError(f'--overlap {overlap} must be at least 0 and less than --tile '
                              f'{tile}')
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise DeployError(f'--batch {batch_size} must be a whole number >= 1')
        if self.augmented and spec['task'] == 'embedding':
            raise DeployError('--tta and --ensemble average predictions of classes, boxes or '
                              'masks; an embedding model has none')

    @property
    def augmented(self):
        """Whether predictions merge several views or networks (``--tta``, ``--ensemble``)."""
        return len(self.views) > 1 or len(self.networks) > 1

    def _run_many(self, imgs, network=None):
        """``(outputs, meta)`` of each image, in order: pre-processed, then grouped by
        input shape into network calls of at most ``batch_size`` images."""
        network = network or self.network
        prepared = [processing.preprocess(img, self.spec) for img in imgs]
        by_shape = {}
        for i, (x, _) in enumerate(prepared):
            by_shape.setdefault(x.shape, []).append(i)
        results = [None] * len(imgs)
        for members in by_shape.values():
            for start in range(0, len(members), self.batch_size):
                chunk = members[start:start + self.batch_size]
                outputs = network(np.concatenate([prepared[i][0] for i in chunk]))
                for k, i in enumerate(chunk):
                    results[i] = [o[k] for o in outputs], prepared[i][1]
        return results

    def _run(self, img, network=None):
        return self._run_many([img], network)[0]

    def _each_view(self, img):
        """``(view, outputs, meta)`` for every network and view of ``img``."""
        for network in self.networks:
            for view in self.views:
                yield (view, *self._run(augment.to_view(img, view), network))

    def logits(self, img):
        """Segmentation logits of ``img`` (C x H x W), averaged over views and networks."""
        found = [
            augment.logits_back(processing.segment_logits(outputs[0], meta), view)
            for view, outputs, meta in self._each_view(img)
        ]
        return found[0] if len(found) == 1 else np.mean(found, axis=0)

    def _predict_augmented(self, img):
        task, post = self.spec['task'], self.spec.get('postprocess', {})
        if task == 'segmentation':
            return processing.segment(self.logits(img), self.spec)
        if task == 'classification':
            probs = np.mean([outputs[0] for _, outputs, _ in self._each_view(img)], axis=0)
            return processing.classify(probs, self.spec)
        height, width = img.shape[:2]
        found = [(view, processing.detect(outputs, self.spec, meta))
                 for view, outputs, meta in self._each_view(img)]
        boxes = np.concatenate([augment.boxes_back(d['boxes'], v, height, width) for v, d in found])
        scores = np.concatenate([d['scores'] for _, d in found])
        labels = np.concatenate([d['labels'] for _, d in found])
        keep = processing.batched_nms(boxes, scores, labels,
                                      post['iou_threshold'])[:post.get('max_per_img', 100)]
        return dict(boxes=boxes[keep], scores=scores[keep], labels=labels[keep])

    def predict(self, img):
        """A BGR image -> the task's prediction (see ``processing``); window by window when
        it is larger than ``tile``."""
        return self.predict_many([img])[0]

    def predict_many(self, imgs):
        """The predictions of several BGR images (a list, in order)."""
        if self.tile and self.spec['task'] == 'classification':
            raise DeployError('--tile: a classification model sees whole pictures; --tile '
                              'sets the classified windows of rasters only')
        tiled = [bool(self.tile) and max(img.shape[:2]) > self.tile for img in imgs]
        if self.augmented:
            return [
                self._predict_tiled(img) if t else self._predict_augmented(img)
                for img, t in zip(imgs, tiled)
            ]
        whole = iter(
            self.postprocess(outputs, meta)
            for outputs, meta in self._run_many([img for img, t in zip(imgs, tiled) if not t]))
        return [self._predict_tiled(img) if t else next(whole) for img, t in zip(imgs, tiled)]

    def predict_whole(self, img):
        """The prediction of the whole image at once (over every view and network)."""
        if self.augmented:
            return self._predict_augmented(img)
        outputs, meta = self._run(img)
        return self.postprocess(outputs, meta)

    def postprocess(self, outputs, meta):
        """The network's outputs for one image (``meta`` from pre-processing) -> the task's
        prediction."""
        task = self.spec['task']
        if task == 'classification':
            return processing.classify(outputs[0], self.spec)
        if task == 'embedding':
            return processing.embed(outputs[0], self.spec)
        if task == 'detection':
            return processing.detect(outputs, self.spec, meta)
        return processing.segment(processing.segment_logits(outputs[0], meta), self.spec)

    def _predict_tiled(self, img):
        height, width = img.shape[:2]
        boxes = processing.windows(height, width, self.tile, self.overlap)
        if self.spec['task'] == 'detection':
            per_tile = [((x0, y0, x1, y1), self.predict_whole(img[y0:y1, x0:x1]))
                        for x0, y0, x1, y1 in boxes]
            return processing.merge_tile_detections(per_tile, height, width,
                                                    self.spec['postprocess']['iou_threshold'])
        total, count = None, np.zeros((height, width), np.float32)
        for x0, y0, x1, y1 in boxes:
            logits = self.logits(img[y0:y1, x0:x1])
            if total is None:
                total = np.zeros((len(logits), height, width), np.float32)
            total[:, y0:y1, x0:x1] += logits
            count[y0:y1, x0:x1] += 1
        return processing.segment(total / count, self.spec)


def list_images(source):
    """``source`` if it is a file, else the images of the folder, sorted."""
    if osp.isfile(source):
        return [source]
    if not osp.isdir(source):
        raise DeployError(f'no such image or folder: {source}')
    images = sorted(
        osp.join(source, n) for n in os.listdir(source) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise DeployError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) in {source}')
    return images


def read_images(paths, out_dir, on_bad='skip'):
    """Yield ``(path, BGR image)`` for every readable image; an unreadable one stops with
    an error naming it (``on_bad='error'``) or is passed over (``'skip'``), listed in
    ``<out_dir>/skipped_images.txt`` and counted in a warning at the end."""
    skipped = []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is not None:
            yield path, img
        elif on_bad == 'error':
            raise DeployError(f'{path}: not a readable image; remove it, or pass over '
                              'unreadable images with --on-bad skip')
        else:
            skipped.append(f'{path}: not a readable image')
    if skipped:
        listing = osp.join(out_dir, 'skipped_images.txt')
        with open(listing, 'w') as f:
            f.write(''.join(line + '\n' for line in skipped))
        print(
            f'WARNING: passed over {len(skipped)} unreadable image(s); the list is in '
            f'{listing}',
            file=sys.stderr)


def _predicted(predictor, images):
    """``(path, image, prediction)`` for each ``(path, image)``, predicted
    ``predictor.batch_size`` images at a time."""
    images = iter(images)
    while chunk := list(itertools.islice(images, predictor.batch_size)):
        preds = predictor.predict_many([img for _, img in chunk])
        yield from ((path, img, pred) for (path, img), pred in zip(chunk, preds))


def predict_folder(predictor, source, out_dir, on_bad='skip', score_thr=None, geo=None):
    """Predict every image and raster of ``source``: rasters (GeoTIFFs with a CRS, or
    files OpenCV would change: 16-bit, 4 bands) window by window with results in map
    coordinates (``custom_modules.deploy.rasters``; ``geo``: ``dict(bands, scaling,
    probabilities)``), the pictures as :func:`predict_pictures` does. Returns a
    summary, a line per raster."""
    from ..geo.raster import is_raster
    paths = list_images(source)
    rasters = [p for p in paths if is_raster(p)]
    lines = []
    pictures = [p for p in paths if p not in rasters]
    if pictures:
        lines.append(predict_pictures(predictor, pictures, out_dir, on_bad, score_thr))
    if rasters:
        lines += predict_rasters(predictor, rasters, out_dir, score_thr, **(geo or {}))
    return '\n'.join(lines)


def predict_rasters(predictor,
                    paths,
                    out_dir,
                    score_thr=None,
                    bands=None,
                    scaling=None,
                    probabilities=False):
    """Each raster of ``paths`` predicted window by window (see ``rasters``); detection
    and classification also write ``counts.csv`` (raster, class, count). Returns a line
    per raster."""
    from . import rasters
    os.makedirs(out_dir, exist_ok=True)
    reading = rasters.reading_of(predictor.spec, bands, scaling)
    done = [
        rasters.predict_raster(predictor, path, reading, out_dir, predictor.tile, predictor.overlap,
                               score_thr, probabilities) for path in paths
    ]
    if predictor.spec['task'] in ('detection', 'classification'):
        _write_csv(
            osp.join(out_dir, 'counts.csv'), ['raster', 'class', 'count'],
            [[osp.basename(d['raster']), c, n] for d in done for c, n in d['counts'].items()])
    return [d['summary'] for d in done]


def predict_pictures(predictor, paths, out_dir, on_bad='skip', score_thr=None):
    """Predict every image of ``paths`` and write the task's files to ``out_dir``:

    - classification: ``predictions.csv`` (file, class, score, top-k), each image with its
      predicted class and ``prediction_grid.png`` (the first 64); embedding:
      ``embeddings.csv`` (file, then the vector);
    - detection: each image with its boxes, ``detections.csv`` (the course's columns plus
      score) and ``detections.json`` (boxes and a count per image);
    - segmentation: ``<name>_mask.png`` (class indices) and ``<name>_overlay.png``.

    Returns a one-line summary.
    """
    spec, task = predictor.spec, predictor.spec['task']
    classes = spec.get('classes') or []
    if task == 'detection':
        thresholds = processing.score_thresholds(spec, score_thr)
    os.makedirs(out_dir, exist_ok=True)
    rows, records, counts, thumbnails = [], [], np.zeros(max(len(classes), 1)), []
    for path, img, pred in _predicted(predictor, read_images(paths, out_dir, on_bad)):
        name, (height, width) = osp.basename(path), img.shape[:2]
        if task == 'classification':
            rows.append([
                name, classes[pred['label']],
                round(pred['score'], 4), ' '.join(f'{classes[i]}:{s:.4f}' for i, s in pred['topk'])
            ])
            labelled = drawing.label_image(img, f'{classes[pred["label"]]} {pred["score"]:.2f}')
            cv2.imwrite(osp.join(out_dir, name), labelled)
            if len(thumbnails) < 64:
                thumbnails.append(cv2.resize(labelled, (96, 96), interpolation=cv2.INTER_AREA))
        elif task == 'embedding':
            rows.append([name, *np.round(pred['embedding'], 6).tolist()])
        elif task == 'detection':
            keep = processing.passing(pred, thresholds, classes)
            boxes = pred['boxes'][keep].astype(np.float64).round(1).tolist()
            labels = pred['labels'][keep].tolist()
            scores = pred['scores'][keep].astype(np.float64).round(4).tolist()
            cv2.imwrite(
                osp.join(out_dir, name), drawing.draw_boxes(img, boxes, labels, scores, classes))
            rows += [[name, width, height, classes[lab], *box, score]
                     for box, lab, score in zip(boxes, labels, scores)]
            records.append(
                dict(
                    filename=name,
                    width=width,
                    height=height,
                    count=len(boxes),
                    boxes=[
                        dict(bbox=b, label=classes[lab], score=s)
                        for b, lab, s in zip(boxes, labels, scores)
                    ]))
        else:
            stem = osp.splitext(name)[0]
            cv2.imwrite(osp.join(out_dir, f'{stem}_mask.png'), pred['mask'])
            cv2.imwrite(
                osp.join(out_dir, f'{stem}_overlay.png'),
                drawing.overlay(img, pred['mask'], spec['palette']))
            counts += np.bincount(pred['mask'].ravel(), minlength=len(counts))[:len(counts)]
    if thumbnails:
        cv2.imwrite(osp.join(out_dir, 'prediction_grid.png'), drawing.grid(thumbnails))
    return _write_results(task, rows, records, counts, classes, out_dir, spec, score_thr)


def _write_csv(path, header, rows):
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _write_results(task, rows, records, counts, classes, out_dir, spec, score_thr):
    if task == 'classification':
        _write_csv(osp.join(out_dir, 'predictions.csv'), ['file', 'class', 'score', 'topk'], rows)
        found = {c: sum(r[1] == c for r in rows) for c in classes}
        return f'{len(rows)} images classified {found}; predictions.csv in {out_dir}'
    if task == 'embedding':
        dim = len(rows[0]) - 1 if rows else 0
        _write_csv(osp.join(out_dir, 'embeddings.csv'), ['file', *range(dim)], rows)
        return f'{len(rows)} embeddings of {dim} values; embeddings.csv in {out_dir}'
    if task == 'detection':
        _write_csv(osp.join(out_dir, 'detections.csv'), [*DETECTION_COLUMNS, 'score'], rows)
        thresholds = processing.score_thresholds(spec, score_thr)
        with open(osp.join(out_dir, 'detections.json'), 'w') as f:
            json.dump(dict(score_thr=thresholds, images=records), f, indent=1)
        return (f'{len(rows)} boxes (score >= {processing.describe_thresholds(thresholds)}); '
                f'pictures, detections.csv and detections.json in {out_dir}')
    shares = dict(zip(classes, (counts / max(counts.sum(), 1)).round(4).tolist()))
    return f'masks and overlays in {out_dir}; pixel shares: {shares}'
