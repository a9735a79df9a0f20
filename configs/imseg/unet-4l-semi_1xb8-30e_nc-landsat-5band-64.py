# The sparse-polygon Landsat scene (unet-4l_1xb8-30e_nc-landsat-5band-64.py: 2,300 labelled
# pixels of 217,000) learning from its unlabelled pixels too: the same U-Net as the student
# of a SemiSupervisedSegmentor, whose mean teacher's confident classes train the pixels
# outside the polygons (UniMatch-style weak-to-strong: colours changed and CutMix, and
# dropped features). Training windows: those around the polygons, plus as many at random
# over the whole scene (mostly unlabelled). The teacher predicts and is exported.
_base_ = ['./unet-4l_1xb8-30e_nc-landsat-5band-64.py']
model = dict(
    _delete_=True,
    type='SemiSupervisedSegmentor',
    segmentor={{_base_.model}},
    semi_train_cfg=dict(threshold_mode='fixed', threshold=0.95, unsup_weight=1.0, rampup_iters=200))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            {{_base_.train_dataloader.dataset}},
            dict(
                type='RasterMaskDataset',
                data_root={{_base_.data_root}},
                metainfo={{_base_.metainfo}},
                raster='landsat.tif',
                labels='polygons.gpkg',
                class_field='label',
                unlabelled='ignore',
                windows=dict(size=64, sampler='random', count=320, seed=1),
                pipeline={{_base_.train_pipeline}}),
        ]))
custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', patience=5, min_delta=0.0),
    dict(type='MeanTeacherHook', decay=0.99),
    dict(type='PseudoLabelHook'),
]
