# The demo U-Net learning from the masks of 10 % of the training images (12 of 120, drawn
# with split_seed) and from the other 108 images unlabelled: the student of a
# SemiSupervisedSegmentor, whose mean teacher's confident pixels teach the unlabelled
# images on perturbed views (colours changed, CutMix, dropped features; UniMatch-style).
# A folder of images without masks works as well: a second dataset of the ConcatDataset
# with data_prefix=dict(img_path='<folder>') and no seg_map_path. The teacher predicts and
# is exported. Supervised baseline: unet-4l_1xb8-15e_demo-shoreline-64-10pct.py.
# Both use group norm: with batch norm, this config's batches (whole unlabelled images
# beside labelled ones) left running statistics the model could not predict with, and it
# lost to the baseline by 39 to 64 mIoU in 5 of 6 runs (configs/imseg/README.md, "Few labels").
# For 1 % of the masks: --cfg-options train_dataloader.dataset.datasets.0.times=120
#   train_dataloader.dataset.datasets.0.dataset.labelled_fraction=0.01
#   train_dataloader.dataset.datasets.1.labelled_fraction=0.01
_base_ = ['./unet-4l_1xb8-15e_demo-shoreline-64-10pct.py']
model = dict(
    _delete_=True,
    type='SemiSupervisedSegmentor',
    segmentor={{_base_.model}},
    semi_train_cfg=dict(threshold=0.95, unsup_weight=1.0, rampup_iters=200))
# An epoch: the 12 labelled images repeated 10 times, as the supervised baseline sees them,
# plus every training image once (the 108 without masks are the unlabelled ones), so each
# batch holds labelled images; alone, the 12 would be 1 image in 10 of each batch.
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[{{_base_.train_dataloader.dataset}}, {{_base_.train_set}}]))
custom_hooks = [dict(type='MeanTeacherHook', decay=0.99), dict(type='PseudoLabelHook')]
