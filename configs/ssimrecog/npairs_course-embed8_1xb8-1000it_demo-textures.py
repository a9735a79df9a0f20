# The course's metric learning: a small embedding network (3x3 stride-2 convs 32/64/128,
# global average pooling, 8-d L2-normalised embedding) trained with the N-pairs loss
# (temperature 0.3) on batches of one anchor/positive pair per class; evaluated by
# k-nearest-neighbour classification of the validation images against the training
# images, with a t-SNE plot (tsne.png in the run's log folder).
_base_ = [
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/demo_textures_semi.py',
    '../_base_/schedules/adam_iter.py',
]
model = dict(
    type='NPairsEmbedder',
    backbone=dict(type='CourseEmbeddingNet', channels=(32, 64, 128), embed_dim=8),
    loss=dict(type='NPairsLoss', temperature=0.3))
folder = dict(type='ImageFolderDataset', data_root={{_base_.data_root}}, classes={{_base_.classes}})
train_dataloader = dict(
    _delete_=True,
    batch_size=8,  # 4 classes x (anchor, positive)
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='NPairsSampler', batch_size=8),
    collate_fn=dict(type='default_collate'),
    dataset=dict(folder, data_prefix='train', pipeline={{_base_.weak_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='GalleryQueryDataset',
        gallery=dict(folder, data_prefix='train', pipeline={{_base_.test_pipeline}}),
        query=dict(folder, data_prefix='val', pipeline={{_base_.test_pipeline}})))
val_evaluator = dict(_delete_=True, type='KNNAccuracy', k=(3, 5, 7))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
# tsne.png from the embeddings KNNAccuracy saves, after every evaluation
custom_hooks = [dict(type='TSNEHook')]
param_scheduler = dict(T_max=1000)
train_cfg = dict(max_iters=1000)
default_hooks = dict(checkpoint=dict(save_best='knn/top1_k5', rule='greater'))
