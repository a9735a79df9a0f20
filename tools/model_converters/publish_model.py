"""Publish a trained checkpoint for the zoo, as OpenMMLab's publish_model.py does.

    python tools/model_converters/publish_model.py IN.pth OUT.pth [--metrics FILE]
        [--data "what it was trained on"] [--licence CC-BY-4.0]

Writes OUT-<first 8 hex of its sha256>.pth: the weights and what a user needs (the
config, classes, palette, metrics, model card, mmengine and torch versions), without
optimizer, scheduler and message-hub state, loadable with torch.load(weights_only=True);
and MODEL.md, the model card, next to it. Metrics: --metrics, else the test_metrics.json
that tools/test.py wrote in the checkpoint's work dir, else its last validation's.
Then: python tools/misc/add_to_zoo.py WORK_DIR --weights URL_OR_PATH
"""
import argparse
import os.path as osp

from custom_modules.cli import clean_errors
from custom_modules.zoo.publish import publish


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('in_file', help='checkpoint written by tools/train.py')
    parser.add_argument('out_file', help='name of the published checkpoint (.pth)')
    parser.add_argument('--metrics', help='JSON of metrics (default: the work dir\'s)')
    parser.add_argument('--data', help='what the model was trained on, for its card')
    parser.add_argument('--licence', default='unspecified', help='licence of the weights')
    return parser.parse_args()


@clean_errors
def main():
    args = parse_args()
    published = publish(args.in_file, args.out_file, args.metrics, args.data, args.licence)
    print(f'published {published} ({osp.getsize(published) / 2**20:.1f} MB, from '
          f'{osp.getsize(args.in_file) / 2**20:.1f} MB); card: '
          f'{osp.join(osp.dirname(published), "MODEL.md")}')


if __name__ == '__main__':
    main()
