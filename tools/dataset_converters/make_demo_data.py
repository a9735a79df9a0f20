"""Write the embedded demo data (deterministic from a seed) for the zoo's families.

    python tools/dataset_converters/make_demo_data.py [--root data/demo] [--seed 0]
        [--families imrecog objrecog imseg ssimrecog] [--force] [--size PIXELS]

The demo configs call the same generator on their own, so running this is optional.
"""
import argparse

from custom_modules import demo_data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default=demo_data.DEMO_ROOT)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--families', nargs='+', default=list(demo_data.FAMILIES), choices=demo_data.FAMILIES)
    parser.add_argument('--force', action='store_true', help='rewrite complete folders too')
    parser.add_argument(
        '--size', type=int, help="image side in pixels instead of each family's default")
    args = parser.parse_args()
    demo_data.generate(args.root, args.families, seed=args.seed, force=args.force, size=args.size)


if __name__ == '__main__':
    main()
