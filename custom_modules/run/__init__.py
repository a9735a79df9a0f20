"""The run: what turns a config into a trained model. mmengine's runner with our checks
(``runner``), the epoch loop (``loops``), optimizer wrappers and schedulers, the speed
options, the work dir's lock (``run_dir``), checkpoint checks and discovery
(``checkpoints``) and the hooks every runtime uses (``hooks/``). Importing it registers
them."""
from . import hooks, loops, optim_wrappers, runner, schedulers, speed  # noqa: F401
