"""Print a config as the tools see it: bases merged, --cfg-options applied.

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
"""
import argparse

from mmengine.config import DictAction

from custom_modules.cli import clean_errors, load_config


@clean_errors
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    print(load_config(parser.parse_args()).pretty_text)


if __name__ == '__main__':
    main()
