# Runtime settings shared by every family; each scope's default_runtime_<scope>.py adds
# its visualisation and custom_imports. Checkpoints: every epoch, best one kept.
# custom_modules.run.runner: mmengine's Runner, plus channels_last=True applied before DDP
runner_type = 'ZooRunner'
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # random streams seeded from (seed, epoch) and (seed, iteration): --resume replays
    # exactly what an uninterrupted run does
    resumable_randomness=dict(type='ResumableRandomnessHook'),
    # SIGTERM / SIGUSR1 (Slurm, cloud schedulers): checkpoint after the current iteration,
    # then exit 75 for the job to be requeued and resumed
    preemption=dict(type='PreemptionHook'),
    # before training: the evaluation pipelines give the network inputs of the size, scale
    # and channels it trains on (allow_other_eval_scale=True for a deliberate difference)
    input_check=dict(type='InputConsistencyHook'),
    # summary.md / summary.json and curves.png in the work dir at the end of training
    summary=dict(type='RunSummaryHook'),
    # one line when a class scores 0 (IoU, F1) in 3 validations in a row: a rare class
    # trained to "never predicted" is said, with its share of the training labels
    silent_class=dict(type='SilentClassHook', patience=3),
    # the console: a progress bar an epoch, a line of metrics a validation (the full log
    # is in the work dir; --verbose prints it on the console instead)
    progress=dict(type='ConsoleProgressHook'),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
# mmengine averages every logged key matching `mean_pattern` over 10 logs, which is right
# for training losses but turns a validation metric named like `cls/loss` into a running
# mean of past epochs. Only unprefixed (training) keys are averaged here, including the
# semi-supervised models' pseudo-label statistics.
log_processor = dict(
    by_epoch=True, mean_pattern=r'^[^/]*(loss|time|data_time|grad_norm|pseudo_)[^/]*$')
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
