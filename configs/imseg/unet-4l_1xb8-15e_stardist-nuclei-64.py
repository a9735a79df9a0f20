# The demo's small U-Net on a real fluorescence microscope image, data changed only (what
# a user gets out of the box): the 2018 Data Science Bowl nuclei image the stardist
# package ships, background (0) / nucleus (1), 64 px tiles: train 40 tiles, val 8 (for
# choosing), test 16 (the zoo's figures), split by place. Made by
#   python tools/dataset_converters/stardist_nuclei.py
_base_ = ['./unet-4l_1xb8-15e_demo-shoreline-64.py']
demo_data = None
data_root = 'data/stardist-nuclei'
metainfo = dict(classes=('background', 'nucleus'), palette=[[20, 20, 20], [250, 80, 200]])
nuclei = dict(data_root=data_root, metainfo=metainfo)
train_dataloader = dict(dataset=nuclei)
val_dataloader = dict(dataset=nuclei)
test_dataloader = dict(
    dataset=dict(data_prefix=dict(img_path='images/test', seg_map_path='masks/test'), **nuclei))
