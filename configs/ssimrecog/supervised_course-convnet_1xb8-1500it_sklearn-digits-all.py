# Full supervision on the same schedule, the ceiling for the 4-labels-per-class configs:
# every training image (1077) labelled, weak augmentation, 8 a batch, 1500 iterations.
_base_ = ['./supervised_course-convnet_1xb8-1500it_sklearn-digits-4lpc.py']
train_dataloader = dict(dataset=dict(labels_per_class=None, labelled_fraction=1.0))
