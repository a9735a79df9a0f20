# As the 4-labels-per-class FixMatch config, with 10 % of each class labelled instead
# (drawn with split_seed): 40 labelled and 360 unlabelled demo textures.
_base_ = ['./fixmatch_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py']
labels_per_class = None
split = dict(type='ImageFolderSplit', data_root={{_base_.data_root}}, data_prefix='train',
             classes={{_base_.classes}}, labelled_fraction=0.1, split_seed=0,
             pipeline={{_base_.two_view_pipeline}})
train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='ConcatDataset',
    datasets=[dict(split, part='labelled'), dict(split, part='unlabelled')]))
