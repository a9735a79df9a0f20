# Public weights the real-data zoo configs start from, as upstream configs name them. Each
# is downloaded once into the torch hub cache ($TORCH_HOME/hub/checkpoints, default
# ~/.cache/torch/hub/checkpoints) and checked against the sha256 prefix in its name. On a
# machine without network access, put the file there, or give a local path instead:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/file.pth  (or load_from=...)
# Demo configs start from scratch.

# mmpretrain's MobileNetV2 on ImageNet-1k (71.86 top-1); keys under `backbone.`
mobilenet_v2_imagenet = ('https://download.openmmlab.com/mmclassification/v0/mobilenet_v2/'
                         'mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth')
# mmdet's RetinaNet R-50 FPN 1x on COCO (36.5 box AP); the course's RetinaNet has the same
# layers, so all but the 80-class classifier load (a new one is trained for your classes)
retinanet_r50_fpn_coco = (
    'https://download.openmmlab.com/mmdetection/v2.0/retinanet/'
    'retinanet_r50_fpn_1x_coco/retinanet_r50_fpn_1x_coco_20200130-c2398f9e.pth')
