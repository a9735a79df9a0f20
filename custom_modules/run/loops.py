"""The epoch loop of every zoo config: mmengine's, resumable in the middle of an epoch."""
from mmengine.registry import LOOPS
from mmengine.runner import EpochBasedTrainLoop


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` that continues a checkpoint saved in the middle of an epoch
    (by :class:`PreemptionHook`) where it stopped: the batches of that epoch already
    trained are drawn from the data loader again and passed over, so that the data order
    and the augmentation random stream are those of an uninterrupted run; the rest of the
    epoch is trained. mmengine's loop would start the epoch over (its checkpoints are only
    written at the end of an epoch)."""

    def run_epoch(self):
        done = max(self._iter - self._epoch * len(self.dataloader), 0)
        if done:
            self.runner.logger.info(f'resuming epoch {self._epoch + 1} after its first {done} '
                                    'iterations: passing over their batches')
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        for idx, data_batch in enumerate(self.dataloader):
            if idx >= done:
                self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
