"""Real microscope imagery for image segmentation: the nuclei image the stardist package
ships (a fluorescence image of the 2018 Data Science Bowl with its hand-drawn nucleus
masks; Caicedo et al., Nature Methods 16, 2019).

    python tools/dataset_converters/stardist_nuclei.py [--out data/stardist-nuclei]
        [--wheel stardist-0.9.2-....whl] [--tile 64]

This script fetches stardist's wheel from PyPI with pip (no install, no dependencies:
only ``stardist/data/images/img2d.tif`` and ``mask2d.tif``, 512 x 512 px, 125 nuclei,
are read) and writes the imseg layout ``MaskFolderDataset`` reads:
``<out>/images/<split>/<row>_<col>.png`` (grey as RGB, 8 bit) and
``<out>/masks/<split>/<row>_<col>.png`` (0 background, 1 nucleus: the instance labels
merged). The image is cut into ``--tile`` px tiles, split by place (bands of rows, so
that a nucleus is in one split unless it crosses a band border): the top 5/8 of the
rows ``train``, the next 1/8 ``val`` (for choosing), the bottom quarter ``test`` (the
zoo's figures).
"""
import os
import os.path as osp

import cv2
import numpy as np
from pypi_wheel import converter_main, read_member

VERSION = '0.9.2'
IMAGE = 'stardist/data/images/img2d.tif'
MASK = 'stardist/data/images/mask2d.tif'
SPLITS = (('train', 5 / 8), ('val', 1 / 8), ('test', 2 / 8))  # shares of the rows


def decode_tif(data):
    """A single-page TIFF (any bit depth) as an array."""
    ok, pages = cv2.imdecodemulti(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if not ok or len(pages) != 1:
        raise SystemExit('error: expected a single-page TIFF in the stardist wheel')
    return pages[0]


def to_uint8(image):
    """Stretch the intensities to 0..255 (the scan uses 0..235 of 16 bits)."""
    image = image.astype(np.float32)
    low, high = float(image.min()), float(image.max())
    return np.round((image - low) * (255 / max(high - low, 1e-6))).astype(np.uint8)


def split_of_rows(rows):
    """``{split: [row indices]}``: consecutive bands of rows in the order of SPLITS, at
    least one row each."""
    if rows < len(SPLITS):
        raise SystemExit(f'error: {rows} rows of tiles cannot make {len(SPLITS)} splits; '
                         'use a smaller --tile')
    edges = np.cumsum([max(1, round(share * rows)) for _, share in SPLITS[:-1]])
    return {
        name: band.tolist()
        for (name, _), band in zip(SPLITS, np.split(np.arange(rows), edges))
    }


def convert(wheel, out, tile=64):
    image = to_uint8(decode_tif(read_member(wheel, IMAGE)))
    mask = (decode_tif(read_member(wheel, MASK)) > 0).astype(np.uint8)
    if image.shape != mask.shape:
        raise SystemExit(f'error: image {image.shape} and mask {mask.shape} differ in size')
    rows, cols = image.shape[0] // tile, image.shape[1] // tile
    for split, band in split_of_rows(rows).items():
        for kind in ('images', 'masks'):
            os.makedirs(osp.join(out, kind, split), exist_ok=True)
        for r in band:
            for c in range(cols):
                window = np.s_[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]
                name = f'{r}_{c}.png'
                cv2.imwrite(
                    osp.join(out, 'images', split, name),
                    cv2.cvtColor(image[window], cv2.COLOR_GRAY2BGR))
                cv2.imwrite(osp.join(out, 'masks', split, name), mask[window])
        share = mask[band[0] * tile:(band[-1] + 1) * tile].mean()
        print(f'{split}: {len(band) * cols} tiles of {tile} px, {share:.0%} nucleus pixels '
              f'-> {osp.join(out, "images", split)}')


def main():
    converter_main(__doc__, 'stardist', VERSION, convert, out='data/stardist-nuclei', tile=64)


if __name__ == '__main__':
    main()
