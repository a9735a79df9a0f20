# The course's augmentation of training images (flip, small rotation, translation,
# contrast), one transform for every image recognition dataset base; validation and test
# images are never augmented.
course_augmentation = dict(
    type='Compose',
    transforms=[
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='Rotate', magnitude_range=(0, 10), magnitude_std='inf', prob=0.5),
        dict(
            type='Translate',
            magnitude_range=(0, 0.1),
            magnitude_std='inf',
            prob=0.5,
            direction='horizontal'),
        dict(
            type='Translate',
            magnitude_range=(0, 0.1),
            magnitude_std='inf',
            prob=0.5,
            direction='vertical'),
        dict(type='Contrast', magnitude_range=(0, 0.3), magnitude_std='inf', prob=0.5),
    ])
