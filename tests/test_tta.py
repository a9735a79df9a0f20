"""Test-time augmentation, ensembles and per-class score thresholds of the runtime, with
stand-in networks that answer exactly (so every difference is the merging's)."""
import numpy as np
import pytest

from custom_modules.deploy import Predictor, augment


@pytest.mark.parametrize('view', augment.VIEWS['d4'])
def test_boxes_and_logits_come_back_from_every_view(view):
    img = np.zeros((30, 50, 1), np.float32)
    img[5:12, 20:41] = 1
    seen = augment.to_view(img, view)[..., 0]
    ys, xs = np.nonzero(seen)
    box = np.float32([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]])
    assert augment.boxes_back(box, view, 30, 50).tolist() == [[20, 5, 41, 12]]
    back = augment.logits_back(augment.to_view(img, view).transpose(2, 0, 1), view)
    assert np.array_equal(back[0], img[..., 0])


class SquareNetwork:
    """A detection network in the exported form (per level: boxes N x A x 4, scores
    N x A x C): one anchor a bright square of the input, scoring ``score``."""

    def __init__(self, score=0.9, shift=0.0):
        self.score, self.shift = score, shift

    def __call__(self, x):
        import cv2
        found = []
        for image in x:
            count, _, stats, _ = cv2.connectedComponentsWithStats((image[0] > 0).astype(np.uint8))
            found.append([[x0 + self.shift, y0, x0 + w + self.shift, y0 + h]
                          for x0, y0, w, h, _ in stats[1:count]])
        most = max(len(f) for f in found)
        boxes = np.zeros((len(x), most, 4), np.float32)
        scores = np.zeros((len(x), most, 1), np.float32)
        for i, f in enumerate(found):
            boxes[i, :len(f)] = f
            scores[i, :len(f)] = self.score
        return [boxes, scores]


DET_SPEC = dict(
    task='detection',
    classes=['square'],
    input=dict(size=None, mean=[128.0] * 3, std=[1.0] * 3),
    postprocess=dict(
        score_thr=0.05,
        nms_pre=100,
        iou_threshold=0.5,
        max_per_img=100,
        min_bbox_size=0,
        draw_thr=0.5))


def logits(predictor, img):
    """Segmentation logits of ``img`` over the predictor's views and networks."""
    return predictor.task.logits(predictor, img)


def scene():
    img = np.zeros((60, 90, 3), np.uint8)
    for x, y in ((5, 5), (40, 30), (70, 10)):
        img[y:y + 12, x:x + 15] = 255
    return img


@pytest.mark.parametrize('tta', ['flip', 'd4'])
def test_detection_tta_finds_each_object_once_where_it_is(tta):
    plain = Predictor(DET_SPEC, SquareNetwork()).predict(scene())
    merged = Predictor(DET_SPEC, SquareNetwork(), tta=tta).predict(scene())
    order = np.argsort(merged['boxes'][:, 0])
    assert np.allclose(merged['boxes'][order], plain['boxes'][np.argsort(plain['boxes'][:, 0])])
    assert len(merged['boxes']) == 3


def test_an_ensemble_keeps_the_best_of_agreeing_boxes():
    one = Predictor(DET_SPEC, SquareNetwork(0.6), ensemble=[SquareNetwork(0.8, shift=1.0)])
    found = one.predict(scene())
    assert len(found['boxes']) == 3 and np.allclose(found['scores'], 0.8)


class Gradient:
    """Segmentation logits that depend on where a pixel is (a left-to-right ramp), so views
    disagree and their average is known: the ramp and its mirror average to a constant."""

    def __call__(self, x):
        width = x.shape[-1]
        ramp = np.broadcast_to(np.linspace(-1, 1, width, dtype=np.float32), x.shape[-2:])
        return [np.stack([np.zeros_like(ramp), ramp])[None].repeat(len(x), 0)]


SEG_SPEC = dict(
    task='segmentation',
    classes=['a', 'b'],
    input=dict(size=None, mean=[0.0] * 3, std=[1.0] * 3),
    postprocess=dict(threshold=0.5))


def test_segmentation_tta_averages_the_logits_of_every_view():
    img = np.zeros((16, 24, 3), np.uint8)
    plain = logits(Predictor(SEG_SPEC, Gradient()), img)
    flipped = logits(Predictor(SEG_SPEC, Gradient(), tta='flip'), img)
    # identity + left-right mirror + up-down mirror: (ramp - ramp + ramp) / 3
    assert np.allclose(flipped[1], plain[1] / 3, atol=1e-6)
    d4 = logits(Predictor(SEG_SPEC, Gradient(), tta='d4'), np.zeros((16, 16, 3), np.uint8))
    assert np.allclose(d4, 0, atol=1e-6)  # every turn and mirror cancels the ramp


def test_an_ensemble_averages_segmentation_logits():

    class Constant:

        def __init__(self, value):
            self.value = value

        def __call__(self, x):
            return [np.full((len(x), 2, *x.shape[-2:]), self.value, np.float32)]

    img = np.zeros((8, 8, 3), np.uint8)
    averaged = logits(Predictor(SEG_SPEC, Constant(1.0), ensemble=[Constant(3.0)]), img)
    assert np.allclose(averaged, 2.0)


def test_per_class_score_thresholds(tmp_path):
    import json

    import cv2

    from custom_modules.deploy import predict_folder
    from custom_modules.errors import ZooError
    spec = dict(DET_SPEC, classes=['square'])
    cv2.imwrite(str(tmp_path / 'scene.png'), scene())
    predictor = Predictor(spec, SquareNetwork(0.7))
    assert '3 boxes (score >= 0.5)' in predict_folder(predictor, str(tmp_path / 'scene.png'),
                                                      str(tmp_path / 'a'))
    summary = predict_folder(
        predictor, str(tmp_path / 'scene.png'), str(tmp_path / 'b'), score_thr={'square': 0.8})
    assert '0 boxes (score >= 0.8)' in summary
    saved = json.loads((tmp_path / 'b' / 'detections.json').read_text())
    assert saved['score_thr'] == {'square': 0.8}
    with pytest.raises(ZooError, match=r"--score-thr: \['tree'\] are not classes"):
        predict_folder(
            predictor, str(tmp_path / 'scene.png'), str(tmp_path / 'c'), score_thr={'tree': 0.3})


def test_score_thresholds_on_the_command_line():
    import argparse

    from custom_modules.deploy.options import add_predict_args, score_thr_of
    parser = argparse.ArgumentParser()
    add_predict_args(parser)
    assert score_thr_of(parser.parse_args([])) is None
    assert score_thr_of(parser.parse_args(['--score-thr', '0.3'])) == 0.3
    assert score_thr_of(parser.parse_args(['--score-thr', '0.3', 'tree=0.6'])) == {
        '*': 0.3,
        'tree': 0.6
    }
    with pytest.raises(SystemExit):
        parser.parse_args(['--score-thr', 'tree=high'])


def test_ensemble_members_must_match(tmp_path):
    import json

    from custom_modules.deploy import ensemble_networks
    from custom_modules.errors import ZooError
    other = dict(DET_SPEC, classes=['tree'], format='mlmondays-zoo-onnx/1', outputs=[])
    (tmp_path / 'model.json').write_text(json.dumps(other))
    with pytest.raises(ZooError, match=r"--ensemble .*: its classes \(\['tree'\]\) differs"):
        ensemble_networks(dict(DET_SPEC), [str(tmp_path)])
