"""``tutor train SPEC_OR_LESSON``: headless training with a progress bar, or JSON lines.

The training runs in the main thread and draws what the trainer reports as it goes;
Ctrl+C asks the trainer to stop cleanly after its current step (exit 130). A loss that becomes NaN, infinite or explodes exits 1 with the reason.

With ``--json`` standard output carries only JSON, one object per line: one per
epoch, then a final object with the test metrics. Notices (which data is in use, where
the checkpoint went) go to standard error.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from tutor.errors import TutorError

# Kept here rather than imported from the engine: building the parser must not load torch.
_OPTIMIZERS = ("sgd", "adam")
_LOSSES = ("cross_entropy", "nll", "mse")

#: Dataset used when --dataset is left out, by the model's input shape (one sample).
DEFAULT_DATASETS: dict[tuple[int, ...], str] = {
    (1, 28, 28): "fashion-mnist",
    (784,): "fashion-mnist",
    (3, 32, 32): "cifar10",
    (3072,): "cifar10",
    (1,): "thermometer",
    (2,): "circle",
}


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "train",
        parents=parents,
        help="train a model headless, with a progress bar",
        description="Train a model spec (or one of a lesson's models) on a dataset, with a "
        "progress bar, validation after every epoch, test metrics at the end and "
        "a checkpoint under TUTOR_HOME/checkpoints after every epoch (--checkpoint-every N "
        "for fewer). --json prints one JSON object per epoch and a final one with the test "
        "metrics. Ctrl+C stops cleanly after the current step and saves what was learned "
        "since the last checkpoint (epoch-N-stopped-at-step-S.pt when it cut epoch N short).",
        epilog="Without --dataset, a 1×28×28 model trains on fashion-mnist, 3×32×32 on "
        "cifar10, a 1-input model on thermometer and a 2-input one on circle (offline, the real sets fall back "
        "to mnist-5k and a generated stand-in; the notice says which). The thermometer "
        "defaults follow the book: inputs ×0.1, SGD lr 0.01, 5000 full-batch epochs; the 2-D "
        "sets (circle, xor, gauss, spiral) train as on TensorFlow Playground: SGD lr 0.03, "
        "batch 10, 20 epochs.",
    )
    p.add_argument(
        "source", metavar="SPEC_OR_LESSON", help="a model spec YAML file or a lesson file"
    )
    p.add_argument(
        "--model", dest="model_name", metavar="NAME", help="which of a lesson file's models"
    )
    p.add_argument(
        "--dataset",
        metavar="NAME",
        help="fashion-mnist, mnist, cifar10, cifar2, thermometer, circle, xor, gauss, spiral, "
        "mnist-5k ...",
    )
    p.add_argument(
        "--noise",
        type=float,
        metavar="X",
        help="noise of the 2-D sets circle, xor, gauss and spiral: 0 to 0.5 (default 0)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help="passes over the training data (default 5; thermometer 5000)",
    )
    p.add_argument("--lr", type=float, metavar="X", help="learning rate (default 0.01)")
    p.add_argument("--batch-size", type=int, metavar="N", help="samples per step (default 64)")
    p.add_argument("--optimizer", choices=_OPTIMIZERS, help="default sgd")
    p.add_argument(
        "--momentum", type=float, metavar="M", help="SGD momentum (default 0: plain SGD)"
    )
    p.add_argument(
        "--weight-decay",
        type=float,
        metavar="X",
        help="L2 regularisation: X × w is added to every gradient (default 0, off)",
    )
    p.add_argument(
        "--train-subset",
        type=int,
        metavar="N",
        help="train on only the first N training samples (a run that overfits quickly)",
    )
    p.add_argument(
        "--loss",
        choices=_LOSSES,
        help="default: nll after LogSoftmax, mse for regression, else cross_entropy",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="seed for the initial weights and the shuffling (default 0)",
    )
    p.add_argument(
        "--input-scale",
        type=float,
        metavar="X",
        help="multiply inputs by X (default 1; thermometer 0.1)",
    )
    p.add_argument(
        "--target",
        choices=("labels", "inputs"),
        help="labels (default), or inputs: an autoencoder reproduces its input (mse)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=1,
        metavar="N",
        help="save a checkpoint every N epochs (default 1: after every epoch)",
    )
    p.add_argument("--no-checkpoint", action="store_true", help="do not write checkpoints")
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON lines (one per epoch, then the final metrics) only",
    )
    p.set_defaults(run=run)


def _lesson_train_step(path: Path, model: str) -> tuple[str | None, Any, str | None]:
    """(lesson id, its first train step for ``model``, its dataset) if ``path`` is a lesson.

    The step's settings (optimizer, learning rate, batch size, epochs, loss) become the
    defaults, so ``tutor train LESSON --model M`` trains as the lesson does, and its
    checkpoints go where the app puts them.
    """
    from tutor.course.reading import read_lesson
    from tutor.course.steps.train import TrainStep

    lesson_file = read_lesson(path)
    lesson = lesson_file.lesson
    if lesson is None or not lesson.models:
        return None, None, None
    for step in lesson.steps:
        if isinstance(step, TrainStep) and step.model == model:
            return lesson.id, step, step.dataset or lesson.dataset
    return lesson.id, None, lesson.dataset


def _pick_dataset(
    args: argparse.Namespace, input_shape: tuple[int, ...], lesson_dataset: str | None = None
) -> str:
    if args.dataset:
        return str(args.dataset)
    if lesson_dataset:
        return lesson_dataset
    name = DEFAULT_DATASETS.get(tuple(input_shape))
    if name is None:
        shape = ", ".join(str(v) for v in input_shape)
        raise TutorError(
            f"no default dataset for a model whose input is ({shape}); choose one "
            "with --dataset NAME (fashion-mnist, mnist, cifar10, cifar2, "
            "thermometer, circle, xor, gauss, spiral, mnist-5k)"
        )
    return name


def _config(args: argparse.Namespace, data: Any, spec: Any, lesson_step: Any = None) -> Any:
    """The run's settings: the lesson's own, else the engine's defaults for this data
    and model; flags given on the command line win over both."""
    from tutor.engine.config import TrainConfig
    from tutor.engine.run import default_settings

    if lesson_step is not None:
        base = lesson_step.config().as_dict()
    else:
        last = spec.layers[-1].type if spec.layers else ""
        base = default_settings(getattr(data, "name", ""), data.task, last)
        if args.target == "inputs":
            base.update(target="inputs", loss="mse")
    given = {
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "momentum": args.momentum,
        "loss": args.loss,
        "input_scale": args.input_scale,
        "seed": args.seed,
        "weight_decay": args.weight_decay,
        "train_subset": args.train_subset,
    }
    base.update({k: v for k, v in given.items() if v is not None})
    if args.batch_size is not None:
        base["full_batch"] = False
    return TrainConfig(**base)


def run(args: argparse.Namespace) -> int:
    from tutor.config import device_request
    from tutor.fsutil import FileRefused, check_regular

    path = Path(args.source)
    try:
        check_regular(path, limit=None)  # the size is checked where the YAML is read
    except FileRefused as refused:
        raise TutorError(
            f"{refused}; SPEC_OR_LESSON is a model spec YAML file or a lesson file "
            "(with --model NAME when it has several models)"
        ) from None
    from tutor.commands.train_output import DownloadBar, JsonView, RichView
    from tutor.course.modelfile import load_model_file
    from tutor.engine.data import load_dataset
    from tutor.engine.device import resolve_device
    from tutor.engine.run import TrainingRun, run_name

    device = resolve_device(getattr(args, "device", None) or device_request())
    spec = load_model_file(path, args.model_name)
    lesson_id, lesson_step, lesson_dataset = _lesson_train_step(path, spec.name)
    dataset_name = _pick_dataset(args, spec.input, lesson_dataset)
    downloads = DownloadBar()
    try:
        with warnings.catch_warnings():
            # Repairs are also listed in data.warnings, printed below: not twice.
            warnings.simplefilter("ignore", UserWarning)
            data = load_dataset(
                dataset_name, device=device.torch_device, progress=downloads, noise=args.noise
            )
    finally:
        downloads.close()
    notice = getattr(data, "notice", "")
    if notice:
        print(notice, file=sys.stderr)
    for warning in getattr(data, "warnings", ()):
        print(f"warning: {warning}", file=sys.stderr)
    config = _config(args, data, spec, lesson_step)

    view = JsonView() if args.json else RichView(config, data, device.label, spec.name)
    training = TrainingRun(
        spec,
        data,
        config,
        device=device,
        on_event=view.show,
        name=None if args.no_checkpoint else run_name(spec.name, lesson_id),
        checkpoint_every=args.checkpoint_every,
    )
    return _drive(training, view)


def _drive(training: Any, view: Any) -> int:
    """Run ``training`` here, in the main thread, drawing its events; Ctrl+C stops it.

    The main thread, not a worker thread: on a 2-core machine PyTorch's OpenMP pool
    trains this MLP about twice as fast from the main thread (measured 77k against 33k
    samples/s), because a second pool in another thread makes libgomp stop spinning.
    The first Ctrl+C asks the trainer to stop after its current step; a second one
    interrupts at once.
    """
    import signal

    from tutor.engine.events import TrainingDiverged, TrainingStopped

    interrupted = False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt
        interrupted = True
        training.stop()  # thread-safe and re-entrant: fine from a signal handler

    previous = signal.signal(signal.SIGINT, on_sigint)
    view.start()
    try:
        result = training.run()
    finally:
        view.close()
        signal.signal(signal.SIGINT, previous)
    if isinstance(result.diverged, TrainingDiverged):
        raise TutorError(result.diverged.explanation)
    if isinstance(result.stopped, TrainingStopped) or interrupted:
        if result.checkpoint:
            print(f"last checkpoint: {result.checkpoint}", file=sys.stderr)
        return 130
    return 0
