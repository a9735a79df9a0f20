# FixMatch with a mean teacher: the course's conv net learns from 4 labelled images per
# class plus the other 384 demo textures unlabelled (custom_modules/ssimrecog).
_base_ = [
    '../_base_/models/fixmatch_course-convnet.py',
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/demo_textures_semi.py',
    '../_base_/schedules/adam_iter.py',
]
