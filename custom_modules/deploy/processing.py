"""Each step between an image file and a prediction, once, with numpy and OpenCV only.

They reproduce what the training stack's test pipeline and data pre-processor do
(``Resize`` with OpenCV's bilinear interpolation, mean/std normalisation, RGB order,
zero padding to a size divisor) and what mmdet, mmseg and mmpretrain do after the
network, so that a model predicts the same through ONNX Runtime as through PyTorch.
``spec`` is the ``model.json`` an export writes (see ``custom_modules.export.onnx_export``).
"""
import cv2
import numpy as np

from ..errors import ZooError
from ..geo.windows import windows  # noqa: F401 (the tiling of pictures and rasters)


def resized_size(width, height, size, keep_ratio):
    """The ``(width, height)`` an image gets from mmcv's ``Resize(scale=size)``."""
    if not keep_ratio:
        return tuple(size)
    factor = min(max(size) / max(height, width), min(size) / min(height, width))
    return int(width * factor + 0.5), int(height * factor + 0.5)


def preprocess(img, spec):
    """A BGR image (uint8, or float32 in 0-255 from a raster; C channels) -> ``(1 x C x H x
    W float32 input, meta)``; ``meta`` holds what
    post-processing needs: the original size, the resized size, the scale factors."""
    inp = spec['input']
    height, width = img.shape[:2]
    if inp.get('size'):
        new_w, new_h = resized_size(width, height, inp['size'], inp.get('keep_ratio', False))
        if (new_w, new_h) != (width, height):
            img = cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    new_h, new_w = img.shape[:2]
    # the training stack turns BGR into RGB for three channels only (mmengine's and the
    # toolboxes' data pre-processors); more bands stay in their order
    x = img[..., ::-1] if inp.get('to_rgb', True) and img.shape[-1] == 3 else img
    x = (x.astype(np.float32) - np.float32(inp['mean'])) / np.float32(inp['std'])
    divisor = inp.get('size_divisor') or 1
    pad_h, pad_w = -new_h % divisor, -new_w % divisor
    if pad_h or pad_w:
        x = np.pad(x, ((0, pad_h), (0, pad_w), (0, 0)))
    meta = dict(
        ori_shape=(height, width), img_shape=(new_h, new_w), scale=(new_w / width, new_h / height))
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]), meta


# --- after the network, per task ------------------------------------------------------


def classify(probs, spec, topk=5):
    """Class probabilities -> ``dict(label, score, probs, topk=[(label, score), ...])``."""
    order = np.argsort(-probs, kind='stable')[:topk]
    return dict(
        label=int(order[0]),
        score=float(probs[order[0]]),
        probs=probs,
        topk=[(int(i), float(probs[i])) for i in order])


def embed(embedding, spec):
    return dict(embedding=embedding)


def box_iou(a, b):
    """IoU of every box of ``a`` (N x 4, x0 y0 x1 y1) with every box of ``b``: N x M."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def nms(boxes, scores, iou_threshold):
    """Indices kept by greedy non-maximum suppression, highest score first (a box is
    dropped when its IoU with a kept one is above ``iou_threshold``, as mmcv's ``nms``)."""
    order = np.argsort(-scores, kind='stable')
    keep = []
    while order.size:
        i, order = order[0], order[1:]
        keep.append(i)
        order = order[box_iou(boxes[i:i + 1], boxes[order])[0] <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def batched_nms(boxes, scores, labels, iou_threshold):
    """Class-aware NMS (boxes of different classes never suppress each other)."""
    if not len(boxes):
        return np.zeros(0, np.int64)
    offsets = labels[:, None].astype(boxes.dtype) * (boxes.max() + 1)
    return nms(boxes + offsets, scores, iou_threshold)


def detect(outputs, spec, meta):
    """Per level decoded boxes and sigmoid scores (input pixels) -> detections in the
    original image: mmdet's ``_predict_by_feat_single`` (score threshold and top
    ``nms_pre`` per level, boxes clipped to the image, rescaled, class-aware NMS, the
    ``max_per_img`` best)."""
    post = spec['postprocess']
    height, width = meta['img_shape']
    picked_boxes, picked_scores, picked_labels = [], [], []
    for boxes, scores in zip(outputs[0::2], outputs[1::2]):
        valid = np.argwhere(scores > post['score_thr'])  # (anchor, class) pairs
        values = scores[valid[:, 0], valid[:, 1]]
        order = np.argsort(-values, kind='stable')[:post['nms_pre']]
        anchors, labels = valid[order, 0], valid[order, 1]
        picked_boxes.append(boxes[anchors])
        picked_scores.append(values[order])
        picked_labels.append(labels)
    boxes = np.concatenate(picked_boxes).astype(np.float32)
    scores = np.concatenate(picked_scores).astype(np.float32)
    labels = np.concatenate(picked_labels)
    boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
    boxes /= np.float32(meta['scale'] * 2)
    if post.get('min_bbox_size', 0) > 0:
        large = ((boxes[:, 2] - boxes[:, 0]) > post['min_bbox_size']) & (
            (boxes[:, 3] - boxes[:, 1]) > post['min_bbox_size'])
        boxes, scores, labels = boxes[large], scores[large], labels[large]
    keep = batched_nms(boxes, scores, labels, post['iou_threshold'])[:post['max_per_img']]
    return dict(boxes=boxes[keep], scores=scores[keep], labels=labels[keep])


def score_thresholds(spec, score_thr=None):
    """The score a box of each class needs, by class name: ``score_thr`` is None (the
    model's ``draw_thr``), one number, or ``{class: number}`` (``'*'``: the others)."""
    classes = spec.get('classes') or []
    default = spec['postprocess']['draw_thr']
    if not isinstance(score_thr, dict):
        return {c: default if score_thr is None else score_thr for c in classes}
    unknown = sorted(set(score_thr) - set(classes) - {'*'})
    if unknown:
        raise ZooError(f'--score-thr: {unknown} are not classes of this model ({classes})')
    return {c: score_thr.get(c, score_thr.get('*', default)) for c in classes}


def passing(det, thresholds, classes):
    """Boolean mask of the boxes of ``det`` that reach their class's threshold."""
    floors = np.float32([thresholds[c] for c in classes])
    return det['scores'] >= floors[det['labels'].astype(int)] if len(floors) else \
        np.zeros(len(det['scores']), bool)


def describe_thresholds(thresholds):
    """``0.5``, or ``tree 0.4, shrub 0.6``: the thresholds as the summary line says them."""
    values = set(thresholds.values())
    if len(values) == 1:
        return f'{values.pop():g}'
    return ', '.join(f'{c} {t:g}' for c, t in thresholds.items())


def segment_logits(logits, meta):
    """Network logits (C x H x W, padded input size) -> logits of the original image: the
    padding cropped, then resized as mmseg does (bilinear)."""
    height, width = meta['img_shape']
    logits = logits[:, :height, :width]
    ori_h, ori_w = meta['ori_shape']
    if (height, width) != (ori_h, ori_w):
        logits = np.stack([
            cv2.resize(channel, (ori_w, ori_h), interpolation=cv2.INTER_LINEAR)
            for channel in logits
        ])
    return logits


def segment(logits, spec):
    """Logits of the original image -> class indices (one output channel: sigmoid above
    the threshold is class 1, as mmseg's binary heads)."""
    if logits.shape[0] == 1:
        probs = 1 / (1 + np.exp(-logits[0]))
        return dict(mask=(probs > spec['postprocess']['threshold']).astype(np.uint8))
    return dict(mask=logits.argmax(axis=0).astype(np.uint8))


def probabilities(logits):
    """Logits (C x H x W) -> per-class probabilities; one channel (a binary head's
    sigmoid) gives two: background and the class."""
    if logits.shape[0] == 1:
        p = 1 / (1 + np.exp(-logits[0]))
        return np.stack([1 - p, p])
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def normalised_entropy(probs):
    """``C x H x W`` class probabilities -> ``H x W`` entropy divided by its largest value
    (log C): 0 where one class is certain, 1 where every class is as likely."""
    p = np.clip(probs, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=0) / np.log(max(len(probs), 2))


# --- large images ------------------------------------------------------------------------


def _clip(boxes, regions):
    """Each box of ``boxes`` (N x 4) clipped to its region (N x 4); x1 <= x0 when apart."""
    return np.concatenate(
        [np.maximum(boxes[:, :2], regions[:, :2]),
         np.minimum(boxes[:, 2:], regions[:, 2:])],
        axis=1)


def _paired_iou(a, b):
    """IoU of ``a[i]`` with ``b[i]`` for every i (N x 4 each, or 1 x 4 against N x 4;
    empty boxes give 0)."""
    both = _clip(a, b)
    inter = np.clip(both[:, 2:] - both[:, :2], 0, None).prod(axis=1)
    area = (
        np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1) +
        np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1))
    return inter / np.maximum(area - inter, 1e-12)


def _seen_alike(a, window_a, b, window_b, threshold=0.5):
    """Whether boxes ``a[i]`` and ``b[i]``, found in windows ``window_a[i]`` and
    ``window_b[i]``, show the same object: where both windows see the image, the two
    boxes agree (IoU >= ``threshold``). A part of an object cut by one window and the
    whole of it in another agree there, as do two parts of an object no window holds."""
    shared = _clip(window_a, window_b)
    return _paired_iou(_clip(a, shared), _clip(b, shared)) >= threshold


def merge_tile_detections(per_tile, height, width, iou_threshold, edge=2):
    """Detections of overlapping windows -> detections of the whole image, each object
    once. A box that touches a window side inside the image is a part of an object cut by
    that window: it is dropped when another window sees that object whole, and the
    parts of an object no window holds whole (one larger than the overlap) are joined
    into one box, with their best score. Whole boxes seen by two windows are merged by
    class-aware NMS. A ``score_std`` of the windows' detections (views disagreeing) goes
    with the box whose score is kept."""
    spread = any('score_std' in det for _, det in per_tile)
    found = {k: [] for k in ('boxes', 'scores', 'labels', 'windows', 'cut', 'score_std')}
    for (x0, y0, x1, y1), det in per_tile:
        b = det['boxes'] + np.float32([x0, y0, x0, y0])
        cut = np.zeros(len(b), bool)
        if x0 > 0:
            cut |= b[:, 0] <= x0 + edge
        if y0 > 0:
            cut |= b[:, 1] <= y0 + edge
        if x1 < width:
            cut |= b[:, 2] >= x1 - edge
        if y1 < height:
            cut |= b[:, 3] >= y1 - edge
        window = np.tile(np.float32([x0, y0, x1, y1]), (len(b), 1))
        std = det.get('score_std', np.zeros(len(b), np.float32))
        for key, value in zip(found, (b, det['scores'], det['labels'], window, cut, std)):
            found[key].append(value)
    boxes, scores, labels, windows_, cut, stds = (np.concatenate(v) for v in found.values())
    whole = np.flatnonzero(~cut)[batched_nms(boxes[~cut], scores[~cut], labels[~cut],
                                             iou_threshold)]
    parts = [
        i for i in np.flatnonzero(cut) if not np.any(
            (labels[whole] == labels[i])
            & _seen_alike(boxes[i:i + 1], windows_[i:i + 1], boxes[whole], windows_[whole]))
    ]
    group = {i: i for i in parts}  # union-find over the parts of objects no window holds

    def root(i):
        while group[i] != i:
            i = group[i]
        return i

    for n, i in enumerate(parts):
        others = np.int64(parts[n + 1:])
        if not len(others):
            break
        alike = ((labels[others] == labels[i]) & np.any(windows_[others] != windows_[i], axis=1)
                 & _seen_alike(boxes[i:i + 1], windows_[i:i + 1], boxes[others], windows_[others]))
        for j in others[alike]:
            group[root(j)] = root(i)
    joined = {}
    for i in parts:
        joined.setdefault(root(i), []).append(i)
    members = list(joined.values())
    boxes = np.concatenate([boxes[whole]] + [
        np.concatenate([boxes[m, :2].min(axis=0), boxes[m, 2:].max(axis=0)])[None] for m in members
    ]).reshape(-1, 4).astype(np.float32)
    best = [m[int(np.argmax(scores[m]))] for m in members]  # the part whose score is kept
    stds = np.concatenate([stds[whole], stds[best]]).astype(np.float32)
    scores = np.concatenate([scores[whole]] + [scores[m].max()[None] for m in members])
    labels = np.concatenate([labels[whole]] + [labels[m[:1]] for m in members])
    keep = batched_nms(boxes, scores, labels, iou_threshold)
    merged = dict(boxes=boxes[keep], scores=scores[keep], labels=labels[keep])
    if spread:
        merged['score_std'] = stds[keep]
    return merged
