# As the 4-labels-per-class FixMatch config, with 10 % of each class labelled instead
# (drawn with split_seed): 40 labelled and 360 unlabelled demo textures.
_base_ = ['./fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py']
train_dataloader = dict(dataset=dict(labels_per_class=None, labelled_fraction=0.1))
