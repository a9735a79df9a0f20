"""The hooks every family's runtime uses, one job a module; :class:`MetricFigureHook` is
the base of the families' drawing hooks."""
from .console_progress import ConsoleProgressHook
from .input_check import InputConsistencyHook
from .mean_teacher import MeanTeacherHook, ema_update
from .metric_figure import MetricFigureHook
from .preemption import PreemptionHook
from .pseudo_labels import PseudoLabelHook
from .randomness import ResumableRandomnessHook, derived_seed
from .run_summary import RunSummaryHook, hardware, summary_markdown
from .silent_class import SilentClassHook

__all__ = [
    'ConsoleProgressHook', 'InputConsistencyHook', 'MeanTeacherHook', 'MetricFigureHook',
    'PreemptionHook', 'PseudoLabelHook', 'ResumableRandomnessHook', 'RunSummaryHook',
    'SilentClassHook', 'derived_seed', 'ema_update', 'hardware', 'summary_markdown'
]
