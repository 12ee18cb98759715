"""Fine-tuning a recognition model with kraken's own trainer (the training API under
`ketos train --load BASE --resize union`): the base model's weights are the start, its
alphabet is extended with the characters of the truth it lacks, kraken's early stopping ends
training when the validation accuracy stops improving (or at `max_epochs`), and the best
epoch's checkpoint becomes the weights. Each epoch's validation CER is printed as it ends."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from barnacle.defaults import (
    DEVICE,
    FINETUNE_BATCH_SIZE,
    FINETUNE_LAG,
    FINETUNE_LEARNING_RATE,
    FINETUNE_MAX_EPOCHS,
    GROUNDTRUTH_SEED,
    PRECISION,
    THREADS,
)
from barnacle.finetune.truth_input import TruthPage
from barnacle.ocr.device import kraken_device


class TrainSettings(BaseModel):
    device: str = DEVICE
    threads: int = THREADS
    max_epochs: int = FINETUNE_MAX_EPOCHS
    min_epochs: int = 0
    lag: int = FINETUNE_LAG  # epochs without improvement before early stopping
    seed: int = GROUNDTRUTH_SEED
    learning_rate: float = FINETUNE_LEARNING_RATE
    batch_size: int = FINETUNE_BATCH_SIZE


class EpochScore(BaseModel):
    epoch: int  # 1-based
    validation_cer: float  # kraken's, over the validation lines


class TrainResult(BaseModel):
    weights: Path
    epochs: int  # epochs trained
    best_epoch: int
    validation_cer: float  # of the best epoch
    history: list[EpochScore]
    alphabet_added: list[str]  # characters of the truth the base model lacked


class TrainingFailed(RuntimeError):
    """kraken's trainer stopped with an error (the message names it)."""


def _progress_callback(history: list[EpochScore], say: Callable[[str], None]) -> Any:
    from lightning.pytorch.callbacks import Callback

    class Progress(Callback):
        """Prints each epoch's validation CER once its validation has run."""

        def on_train_epoch_end(self, trainer: Any, module: Any) -> None:
            accuracy = trainer.callback_metrics.get("val_accuracy")
            if accuracy is None:
                return
            score = EpochScore(
                epoch=trainer.current_epoch + 1, validation_cer=round(1 - float(accuracy), 4)
            )
            history.append(score)
            say(f"  epoch {score.epoch}: validation CER {score.validation_cer * 100:.2f}%")

    return Progress()


def _configs(
    training: list[TruthPage],
    validation: list[TruthPage],
    checkpoints: Path,
    settings: TrainSettings,
) -> tuple[Any, Any]:
    """kraken's data and training configurations: XML pages, NFC text, the base model's
    alphabet extended (resize union), early stopping."""
    from kraken.configs import VGSLRecognitionTrainingConfig, VGSLRecognitionTrainingDataConfig

    data_config = VGSLRecognitionTrainingDataConfig(
        training_data=[str(p.xml) for p in training],
        evaluation_data=[str(p.xml) for p in validation],
        format_type="xml",
        normalization="NFC",
        num_workers=0,
        batch_size=settings.batch_size,
    )
    config = VGSLRecognitionTrainingConfig(
        resize="union",
        quit="early",
        lag=settings.lag,
        epochs=settings.max_epochs,
        min_epochs=settings.min_epochs,
        lrate=settings.learning_rate,
        batch_size=settings.batch_size,
        checkpoint_path=str(checkpoints),
    )
    return data_config, config


def _trainer(settings: TrainSettings, callbacks: list[Any]) -> Any:
    """kraken's trainer on the device, quiet but for our progress lines."""
    from kraken.train import KrakenTrainer

    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module=r"lightning\..*")
    warnings.filterwarnings("ignore", module=r"torch\..*")
    accelerator, device = kraken_device(settings.device)
    return KrakenTrainer(
        accelerator=accelerator,
        devices=device,
        precision=PRECISION,  # trained in full precision, as kraken does by default
        max_epochs=settings.max_epochs,
        min_epochs=settings.min_epochs,
        enable_progress_bar=False,
        enable_summary=False,
        enable_model_summary=False,
        callbacks=callbacks,
        num_sanity_val_steps=0,
        val_check_interval=1.0,
    )


def fine_tune(
    base: Path,
    training: list[TruthPage],
    validation: list[TruthPage],
    work: Path,
    settings: TrainSettings,
    say: Callable[[str], None] = print,
) -> TrainResult:
    """Train from `base` on the training pages, validate on the validation pages; checkpoints
    and the best weights go under `work`. Raises TrainingFailed."""
    import lightning
    import torch
    from kraken.models.convert import convert_models
    from kraken.train.vgsl import VGSLRecognitionDataModule, VGSLRecognitionModel
    from lightning.pytorch.callbacks import ModelCheckpoint

    lightning.seed_everything(settings.seed, verbose=False)
    torch.set_num_threads(settings.threads)
    checkpoints = work / "checkpoints"
    data_config, config = _configs(training, validation, checkpoints, settings)
    history: list[EpochScore] = []
    best = ModelCheckpoint(
        dirpath=checkpoints,
        save_top_k=1,
        monitor="val_metric",
        mode="max",
        auto_insert_metric_name=False,
        filename="checkpoint_{epoch:02d}-{val_metric:.4f}",
    )
    trainer = _trainer(settings, [best, _progress_callback(history, say)])
    with trainer.init_module(empty_init=False):
        model = VGSLRecognitionModel.load_from_weights(str(base), config=config)
    base_alphabet = set(model.net.codec.c2l)
    try:
        trainer.fit(model, VGSLRecognitionDataModule(data_config))
    except (ValueError, RuntimeError) as err:
        raise TrainingFailed(f"kraken's trainer stopped: {err}") from err
    if not best.best_model_path:
        raise TrainingFailed("kraken's trainer finished no epoch: no weights to install")
    weights = work / "best.safetensors"
    convert_models([best.best_model_path], weights, weights_format="safetensors")
    best_cer = round(1 - float(best.best_model_score or 0), 4)
    best_epoch = min((h.epoch for h in history if h.validation_cer == best_cer), default=1)
    return TrainResult(
        weights=weights,
        epochs=len(history),
        best_epoch=best_epoch,
        validation_cer=best_cer,
        history=history,
        alphabet_added=sorted(set(model.net.codec.c2l) - base_alphabet),
    )
