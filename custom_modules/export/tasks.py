"""The PyTorch side of each task: what the exported network computes from the model, what
``model.json`` tells the runtime about post-processing, and how the parity check compares
the training stack's prediction with the runtime's. Each class extends the runtime's task
(``custom_modules.deploy.tasks``), chosen once from the config's model type."""
import numpy as np
import torch
import torch.nn.functional as F

from ..deploy import tasks
from ..deploy.processing import box_iou
from ..errors import ZooError


class ExportTask:
    """What an export task has unless it says otherwise: no post-processing settings, a
    fixed output size, its whole prediction compared, nothing counted."""

    def postprocess_spec(self, model):
        return {}

    def dynamic_axes(self):
        return {}

    def comparable(self, got):
        return got

    def compared(self, ref):
        return 0

    def describe_compared(self, count):
        return ''

    def headline(self, metrics):
        """The task's headline numbers (points) of an evaluator's ``metrics``: those whose
        key ends with one of ``HEADLINE`` (``{suffix: name}``), times ``scale``."""
        found = {}
        for suffix, name in self.HEADLINE.items():
            keys = [k for k in metrics if k == suffix or k.endswith('/' + suffix)]
            if keys:
                found[name] = float(metrics[keys[0]]) * self.SCALE
        if not found:
            raise ZooError(f'the test evaluator reports {", ".join(metrics)}; the {self.name} '
                           f'export compares {", ".join(self.HEADLINE)}: add its metric to '
                           'test_evaluator')
        return found


class ClassificationExport(ExportTask, tasks.Classification):
    HEADLINE, SCALE = {'accuracy': 'top-1', 'top1': 'top-1'}, 1.0

    @staticmethod
    def forward(model, x):
        return model(x, mode='tensor').softmax(dim=1)

    def output_names(self, model):
        return ['probs']

    def reference(self, sample):
        return dict(probs=sample.pred_score.cpu().numpy())

    def comparable(self, got):
        return dict(probs=got['probs'])

    @staticmethod
    def into_sample(sample, pred):
        sample.set_pred_score(torch.from_numpy(np.asarray(pred['probs'])))

    def disagreement(self, ref, got):
        """Top-1 equal and probabilities within 1e-4."""
        gap = float(np.abs(ref['probs'] - got['probs']).max())
        if ref['probs'].argmax() != got['probs'].argmax():
            return f'top-1 class {got["probs"].argmax()} instead of {ref["probs"].argmax()}', 1.0
        return (f'probabilities differ by {gap:.2e} (> 1e-4)' if gap > 1e-4 else None), gap


class EmbeddingExport(ExportTask, tasks.Embedding):
    HEADLINE, SCALE = {'top1_k5': 'kNN top-1', 'top1': 'kNN top-1'}, 1.0

    @staticmethod
    def forward(model, x):
        return model(x, mode='tensor')

    def output_names(self, model):
        return ['embedding']

    def reference(self, sample):
        return dict(embedding=sample.embedding.cpu().numpy())

    @staticmethod
    def into_sample(sample, pred):
        sample.set_field(torch.from_numpy(np.asarray(pred['embedding'])), 'embedding')

    def disagreement(self, ref, got):
        """Cosine >= 0.9999."""
        a, b = ref['embedding'], got['embedding']
        cosine = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
        return (f'cosine {cosine:.6f} (< 0.9999)' if cosine < 0.9999 else None), 1 - cosine


class SegmentationExport(ExportTask, tasks.Segmentation):
    HEADLINE, SCALE = {'mIoU': 'mIoU'}, 1.0

    @staticmethod
    def forward(model, x):
        logits = model(x, mode='tensor')
        if logits.shape[-2:] != x.shape[-2:]:
            logits = F.interpolate(
                logits,
                x.shape[-2:],
                mode='bilinear',
                align_corners=model.decode_head.align_corners)
        return logits

    def output_names(self, model):
        return ['logits']

    def dynamic_axes(self):
        return dict(logits={0: 'batch', 2: 'height', 3: 'width'})

    def postprocess_spec(self, model):
        return dict(threshold=getattr(model.decode_head, 'threshold', None) or 0.5)

    def reference(self, sample):
        return dict(mask=sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8))

    @staticmethod
    def into_sample(sample, pred):
        from mmengine.structures import PixelData
        sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred['mask'].astype(np.int64))[None])

    def disagreement(self, ref, got):
        """At least 99.9 % of pixels equal."""
        if ref['mask'].shape != got['mask'].shape:
            return f'mask {got["mask"].shape} instead of {ref["mask"].shape}', 1.0
        share = float((ref['mask'] != got['mask']).mean())
        return (f'{100 * share:.3f} % of pixels differ (> 0.1 %)' if share > 1e-3 else None), share


class DetectionExport(ExportTask, tasks.Detection):
    SCORE_FLOOR = 0.05  # boxes the parity check compares
    HEADLINE, SCALE = {'bbox_mAP': 'mAP', 'bbox_mAP_50': 'mAP50'}, 100.0

    @staticmethod
    def forward(model, x):
        """Per level the decoded boxes and sigmoid scores of every anchor (thresholds and
        NMS are the runtime's)."""
        head = model.bbox_head
        cls_scores, bbox_preds = model(x, mode='tensor')
        priors = head.prior_generator.grid_priors([c.shape[-2:] for c in cls_scores],
                                                  dtype=x.dtype,
                                                  device=x.device)
        found = []
        for cls, reg, anchors in zip(cls_scores, bbox_preds, priors):
            n = cls.shape[0]
            scores = cls.permute(0, 2, 3, 1).reshape(n, -1, head.cls_out_channels).sigmoid()
            deltas = reg.permute(0, 2, 3, 1).reshape(-1, 4)
            boxes = head.bbox_coder.decode(anchors.repeat(n, 1), deltas).reshape(n, -1, 4)
            found += [boxes, scores]
        return tuple(found)

    def output_names(self, model):
        levels = len(model.bbox_head.prior_generator.strides)
        return [f'{kind}_{i}' for i in range(levels) for kind in ('boxes', 'scores')]

    def postprocess_spec(self, model):
        test_cfg = model.bbox_head.test_cfg
        return dict(
            score_thr=test_cfg.get('score_thr', 0.05),
            nms_pre=test_cfg.get('nms_pre', 1000),
            iou_threshold=test_cfg['nms']['iou_threshold'],
            max_per_img=test_cfg.get('max_per_img', 100),
            min_bbox_size=test_cfg.get('min_bbox_size', 0),
            draw_thr=0.5)

    def reference(self, sample):
        inst = sample.pred_instances
        return dict(
            boxes=inst.bboxes.cpu().numpy(),
            scores=inst.scores.cpu().numpy(),
            labels=inst.labels.cpu().numpy())

    @staticmethod
    def into_sample(sample, pred):
        from mmengine.structures import InstanceData
        gt = sample.gt_instances
        if hasattr(gt.get('bboxes'), 'tensor'):  # as mmdet's data pre-processor leaves them
            gt.bboxes = gt.bboxes.tensor
        sample.pred_instances = InstanceData(
            bboxes=torch.from_numpy(np.asarray(pred['boxes'], np.float32).reshape(-1, 4)),
            scores=torch.from_numpy(np.asarray(pred['scores'], np.float32)),
            labels=torch.from_numpy(np.asarray(pred['labels'], np.int64)))

    def compared(self, ref):
        """How many boxes of a reference prediction the check compares."""
        return int((ref['scores'] >= self.SCORE_FLOOR).sum())

    def describe_compared(self, count):
        return f', {count} boxes scoring >= {self.SCORE_FLOOR}'

    def disagreement(self, ref, got):
        """Boxes scoring >= 0.05 matched one-to-one with IoU >= 0.99, scores within 1e-3."""
        floor = self.SCORE_FLOOR
        keep_ref, keep_got = ref['scores'] >= floor, got['scores'] >= floor
        rb, rs, rl = ref['boxes'][keep_ref], ref['scores'][keep_ref], ref['labels'][keep_ref]
        gb, gs, gl = got['boxes'][keep_got], got['scores'][keep_got], got['labels'][keep_got]
        if len(rb) != len(gb):
            return f'{len(gb)} boxes scoring >= {floor} instead of {len(rb)}', 1.0
        if not len(rb):
            return None, 0.0
        iou = box_iou(rb, gb) * (rl[:, None] == gl[None, :])
        match = iou.argmax(axis=1)
        worst_iou = float(iou[np.arange(len(rb)), match].min())
        score_gap = float(np.abs(rs - gs[match]).max())
        if len(set(match.tolist())) != len(rb) or worst_iou < 0.99:
            return f'boxes matched with IoU down to {worst_iou:.4f} (< 0.99)', 1 - worst_iou
        if score_gap > 1e-3:
            return f'scores differ by {score_gap:.2e} (> 1e-3)', score_gap
        return None, max(1 - worst_iou, score_gap)


EXPORT_TASKS = {
    cls.name: cls
    for cls in (ClassificationExport, EmbeddingExport, DetectionExport, SegmentationExport)
}


def export_task(name, spec=None):
    """The export task of a task name (``spec``: its ``model.json`` when there is one)."""
    if name not in EXPORT_TASKS:
        raise ZooError(f'export: task {name!r} is not one of {", ".join(EXPORT_TASKS)}')
    return EXPORT_TASKS[name](spec or {})
