"""Archive scale: a survey's rasters (thousands, local or remote COGs, STAC items)
predicted on Dask, resumable and idempotent (``tools/predict_archive.py``).

One job a module: ``sources`` (SOURCES -> rasters, their dates and signatures),
``manifest`` (``manifest.sqlite``: each raster's state), ``work`` (the tasks a worker runs:
plan, predict a block, finish, with outputs renamed into place when whole), ``run`` (the
client: scheduling, progress, failures), ``outputs`` (the archive's GeoPackage, VRT mosaic
and counts) and ``cluster`` (local, an existing scheduler, or Slurm via dask-jobqueue).
Nothing here imports torch; a PyTorch model is built on the workers only.
"""
