"""What the command-line tools share (``tools/*.py``): their arguments, setting a run up
from a config and the command line, checking ``--cfg-options``, and one-line errors.

Only the tools' entry helpers import this package; library code below it does not.
"""
from .args import add_common_args, add_output_args, apply_output_options, apply_vis
from .messages import clean_errors
from .option_checks import check_option_keys, check_option_values, type_parameters
from .run_setup import (build_runner, check_data_roots, check_work_dir, load_config, prepare_run,
                        require_checkpoint)

__all__ = [
    'add_common_args', 'add_output_args', 'apply_output_options', 'apply_vis', 'build_runner',
    'check_data_roots', 'check_option_keys', 'check_option_values', 'check_work_dir',
    'clean_errors', 'load_config', 'prepare_run', 'require_checkpoint', 'type_parameters'
]
