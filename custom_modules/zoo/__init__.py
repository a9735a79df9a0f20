"""The zoo: sharing trained models. Checkpoints by URL with their hash (``weights``),
publishing a run's checkpoint with its model card (``publish``, ``model_card``) and the
metafiles and zoo tables (``zoo_index``)."""
