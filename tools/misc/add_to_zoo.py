"""Add a measured run to the zoo: its entry in the family's metafile.yml, and the README
table regenerated from that metafile (tables are never typed by hand).

    python tools/misc/add_to_zoo.py WORK_DIR [--weights URL_OR_PATH] [--data "..."]
        [--course "~0.90 (Dice)"]
    python tools/misc/add_to_zoo.py --tables     # only regenerate every family's table

WORK_DIR is a training's work dir after tools/test.py ran in it (--work-dir WORK_DIR):
the entry gets every metric of its test_metrics.json, the training time, hardware and
command of its summary.json, the config (which must be in configs/<family>/) and the
weights: a published checkpoint (tools/model_converters/publish_model.py), as a URL or
a local path (written as a file:// URL), its name carrying its hash.
"""
import argparse

from custom_modules.cli import clean_errors
from custom_modules.errors import ZooError
from custom_modules.zoo.zoo_index import FAMILIES, REPO, add_run, metafile_path, write_table


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', nargs='?', help='work dir of a trained and tested run')
    parser.add_argument('--weights', help='published checkpoint: URL or path')
    parser.add_argument('--data', help='what it was trained and tested on (the table\'s data)')
    parser.add_argument('--course', help="the course's figure for this model, for reference")
    parser.add_argument('--tables', action='store_true', help='only regenerate the tables')
    parser.add_argument('--zoo-root', default=REPO, help='the zoo (default: this repository)')
    return parser.parse_args()


@clean_errors
def main():
    args = parse_args()
    if args.tables:
        for family in FAMILIES:
            write_table(family, args.zoo_root)
        print(f'regenerated the zoo tables of {", ".join(FAMILIES)}')
        return
    if not args.work_dir:
        raise ZooError('give a WORK_DIR, or --tables')
    family, entry = add_run(args.work_dir, args.weights, args.data, args.course, args.zoo_root)
    print(f'{entry["Name"]}: {len(entry["Results"][0]["Metrics"])} metrics written to '
          f'{metafile_path(family, args.zoo_root)}, weights {entry.get("Weights") or "none"}; '
          f'table of configs/{family}/README.md regenerated')


if __name__ == '__main__':
    main()
