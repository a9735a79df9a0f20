"""Real images with human labels for image recognition: the handwritten digits scikit-learn
ships (UCI "Optical Recognition of Handwritten Digits", 1797 scans of 8 x 8 px, 10 classes,
43 writers), written as a folder per class.

    python tools/dataset_converters/sklearn_digits.py [--out data/sklearn-digits]
        [--size 64] [--seed 0]

scikit-learn is a dependency of the zoo, so nothing is downloaded. Splits, stratified and
seeded: ``train`` (60 %), ``val`` (20 %, for choosing) and ``test`` (20 %, for the zoo's
figures): ``<out>/<split>/<digit>/<index>.png``, enlarged to ``--size`` px (nearest
neighbour: the scanned pixels stay as they are) and grey as RGB.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

SPLITS = (('train', 0.6), ('val', 0.2), ('test', 0.2))


def split_indices(labels, seed):
    """``{split: indices}``, the same share of every class in each split."""
    rng = np.random.default_rng(seed)
    parts = {name: [] for name, _ in SPLITS}
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        edges = np.cumsum([round(share * len(members)) for _, share in SPLITS[:-1]])
        for (name, _), chunk in zip(SPLITS, np.split(members, edges)):
            parts[name].extend(chunk.tolist())
    return {name: sorted(ix) for name, ix in parts.items()}


def convert(out, size=64, seed=0):
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = (digits.images * (255 / 16)).round().astype(np.uint8)  # 0..16 -> 0..255
    for split, indices in split_indices(digits.target, seed).items():
        for i in indices:
            folder = osp.join(out, split, str(digits.target[i]))
            os.makedirs(folder, exist_ok=True)
            big = cv2.resize(images[i], (size, size), interpolation=cv2.INTER_NEAREST)
            cv2.imwrite(osp.join(folder, f'{i:04d}.png'), cv2.cvtColor(big, cv2.COLOR_GRAY2BGR))
        print(f'{split}: {len(indices)} images -> {osp.join(out, split)}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/sklearn-digits')
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    convert(args.out, args.size, args.seed)


if __name__ == '__main__':
    main()
