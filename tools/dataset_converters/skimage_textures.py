"""Real texture photographs for few-label image recognition: patches of the brick, grass
and gravel photographs scikit-image ships, a folder per class.

    python tools/dataset_converters/skimage_textures.py [--out data/skimage-textures]
        [--wheel scikit_image-0.26.0-....whl] [--tile 16]

scikit-image (BSD-3-Clause) ships three grey 512 x 512 texture photographs in
``skimage/data`` (``brick.png``, ``grass.png``, ``gravel.png``). This script fetches the
wheel with pip (no install) and cuts each photograph into ``--tile`` px patches in three
horizontal bands that never share a pixel: rows 0-319 ``train`` (patches half a patch
apart: 2,457 a class at 16 px), 320-415 ``val`` and 416-511 ``test`` (patches side by side:
192 a class each): ``<out>/<split>/<class>/<row>_<col>.png``, grey as RGB. At 16 px a patch
shows a few bricks or stones, and 4 labels a class leave a classifier far from perfect (at
64 px it is perfect: no room to learn from unlabelled patches).
"""
import os
import os.path as osp

import cv2
import numpy as np
from pypi_wheel import converter_main, read_member

VERSION = '0.26.0'
CLASSES = ('brick', 'grass', 'gravel')
BANDS = (('train', 0, 320), ('val', 320, 416), ('test', 416, 512))


def convert(wheel, out, tile=64):
    for name in CLASSES:
        data = np.frombuffer(read_member(wheel, f'skimage/data/{name}.png'), np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        for split, top, bottom in BANDS:
            folder = osp.join(out, split, name)
            os.makedirs(folder, exist_ok=True)
            step = tile // 2 if split == 'train' else tile
            for r in range(top, bottom - tile + 1, step):
                for c in range(0, image.shape[1] - tile + 1, step):
                    patch = cv2.cvtColor(image[r:r + tile, c:c + tile], cv2.COLOR_GRAY2BGR)
                    cv2.imwrite(osp.join(folder, f'{r:03d}_{c:03d}.png'), patch)
    for split, _, _ in BANDS:
        count = len(os.listdir(osp.join(out, split, CLASSES[0])))
        print(f'{split}: {count} patches a class -> {osp.join(out, split)}')


def main():
    converter_main(__doc__, 'scikit-image', VERSION, convert, out='data/skimage-textures', tile=16)


if __name__ == '__main__':
    main()
