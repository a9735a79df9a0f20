# ImageNet's mean and std (0-255, RGB order): the input normalisation of every zoo model,
# as of the pretrained weights they may start from.
imagenet_mean = [123.675, 116.28, 103.53]
imagenet_std = [58.395, 57.12, 57.375]
