# TAMUCC 2-class (the course's 2-class split), same layout and pipelines as tamucc4-400:
# data/tamucc2/{train,val}/<class>_IMG_<n>.jpg and data/tamucc2/classes.json.
_base_ = ['./tamucc4-400.py']
data_root = 'data/tamucc2'
num_classes = 2
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
