# Full supervision with the tuned digits augmentation (no mirror flips) on the same
# schedule: the ceiling for the tuned 4-labels-per-class configs.
_base_ = ['./supervised_course-convnet_1xb8-1500it_sklearn-digits-4lpc-noflip.py']
train_dataloader = dict(dataset=dict(labels_per_class=None, labelled_fraction=1.0))
