"""Pictures of predictions, with OpenCV and numpy only (no torch, no matplotlib)."""
import cv2
import numpy as np

BOX_COLOUR = (60, 20, 220)  # BGR


def draw_boxes(img, boxes, labels, scores, classes):
    """Boxes with class and score (none for ground truth: ``scores=None``) on a copy of the
    BGR image."""
    img = img.copy()
    for i, ((x0, y0, x1, y1), label) in enumerate(zip(boxes, labels)):
        p0, p1 = (int(x0), int(y0)), (int(x1), int(y1))
        cv2.rectangle(img, p0, p1, BOX_COLOUR, 2)
        text = classes[label] if scores is None else f'{classes[label]} {scores[i]:.2f}'
        cv2.putText(img, text, (p0[0], max(p0[1] - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    BOX_COLOUR, 1, cv2.LINE_AA)
    return img


def overlay(img, labels, palette, alpha=0.5):
    """The BGR image with each class painted semi-transparently in its (RGB) palette colour."""
    colours = np.array(palette, np.float32)[:, ::-1]  # RGB -> BGR
    painted = colours[np.clip(labels, 0, len(colours) - 1)]
    return (img * (1 - alpha) + painted * alpha).astype(np.uint8)


def label_image(img, text):
    """A copy of the BGR image with ``text`` on a dark band along its top."""
    img = img.copy()
    cv2.rectangle(img, (0, 0), (img.shape[1], 18), (0, 0, 0), -1)
    cv2.putText(img, text, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def grid(cells, columns=8):
    """Pictures of one height side by side, ``columns`` a row (narrower ones and the last
    row padded with black)."""
    width = max(c.shape[1] for c in cells)
    cells = [np.pad(c, ((0, 0), (0, width - c.shape[1]), (0, 0))) for c in cells]
    cells += [np.zeros_like(cells[0])] * (-len(cells) % columns)
    return np.vstack([np.hstack(cells[i:i + columns]) for i in range(0, len(cells), columns)])
