"""The playground network: one small config -> a model spec, training settings, data.

A :class:`PlaygroundConfig` holds what TensorFlow Playground's controls hold: the 2-D
set and its noise, the input features, the hidden layers' widths, the activation, the
learning rate, the L2 regularization rate and the batch size. :func:`playground_spec`
turns it into an ordinary :class:`~tutor.engine.spec.ModelSpec` (so dissect, code
export and checkpoints work as for any model) and :func:`playground_train_config` into
a :class:`~tutor.engine.config.TrainConfig` for the usual training run;
:func:`build_playground` does both and loads the data. :func:`config_from_spec` goes
the other way, from a lesson's model of the playground's form back to a config.

The config and the controls load no torch (the app uses them on key presses, and its
modules must not import torch at the top); building does.

Every control is a pure function from a config to a new config (``add_layer``,
``change_width``, ``next_activation``, ``toggle_feature``, ``step_lr`` ...). A change
beyond a limit raises :class:`PlaygroundError`, whose catalog key lets the app say
why in the learner's language.

The network is Playground's, with one difference a learner meets in the course: the
output is two logits (one per class) under cross-entropy, and the confidence is their
softmax, where Playground has one tanh output unit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor.engine.config import TrainConfig, TrainError
from tutor.engine.datasets.plane_info import DEFAULT_NOISE, MAX_NOISE, PLANE_SETS
from tutor.engine.features import DEFAULT_FEATURES, FEATURE_IDS, FeatureError, feature_ids
from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.engine.script import Script

ACTIVATIONS: dict[str, str] = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "linear": "Identity",
}
"""Activation name -> the ``torch.nn`` layer; ``linear`` is none at all (Playground's
"Linear"), which shows that stacked linear layers are still one linear map."""
MAX_HIDDEN_LAYERS = 6
MIN_WIDTH, MAX_WIDTH = 1, 8
"""Units per hidden layer, as on Playground."""
NEW_LAYER_WIDTH = 4
"""Width of a hidden layer added to a network that has none."""
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Playground's learning-rate choices."""
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Playground's L2 rates (0: no regularization)."""
NOISE_STEP = 0.05
"""Playground's noise slider moves by 5 %."""


class PlaygroundError(TutorError):
    """A playground control moved past its limit; ``key`` names the catalog message."""


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything Playground's controls set; the defaults are Playground's own."""

    dataset: str = "circle"
    """One of the 2-D sets: ``circle``, ``xor``, ``gauss``, ``spiral``."""
    noise: float = DEFAULT_NOISE
    """0 to 0.5 (see :mod:`tutor.engine.datasets.plane`)."""
    features: tuple[str, ...] = DEFAULT_FEATURES
    """Input feature ids, in :data:`~tutor.engine.plane.FEATURE_IDS` order."""
    hidden: tuple[int, ...] = (4, 2)
    """Units of each hidden layer, first to last; empty is a linear model."""
    activation: str = "tanh"
    """``relu``, ``tanh``, ``sigmoid`` or ``linear``, after every hidden layer."""
    lr: float = 0.03
    regularization: float = 0.0
    """L2 rate, passed to the optimizer as ``weight_decay``."""
    batch_size: int = 10
    optimizer: str = "sgd"
    """``sgd`` (Playground's) or ``adam``."""
    epochs: int = 1000
    """How long a run lasts unless stopped (the app stops it when the learner does)."""
    seed: int = 0
    """Seeds the initial weights and the shuffling."""

    def __post_init__(self) -> None:
        if self.dataset not in PLANE_SETS:
            raise PlaygroundError(
                key="playground.dataset_not_plane", name=self.dataset, sets=", ".join(PLANE_SETS)
            )
        if not _is_number(self.noise) or not 0 <= self.noise <= MAX_NOISE:
            raise PlaygroundError(key="playground.noise_range", value=self.noise, high=MAX_NOISE)
        try:
            ids = feature_ids(self.features)
        except FeatureError as error:
            raise PlaygroundError(error.message) from None
        # Playground's order whatever order they were given in, so equal sets are equal.
        object.__setattr__(self, "features", tuple(f for f in FEATURE_IDS if f in ids))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise PlaygroundError(key="playground.layers_max", max=MAX_HIDDEN_LAYERS)
        for i, width in enumerate(self.hidden):
            _check_width(i, width)
        if self.activation not in ACTIVATIONS:
            raise PlaygroundError(
                key="playground.activation_unknown",
                name=self.activation,
                choices=", ".join(ACTIVATIONS),
            )
        _check_rate("lr", self.lr)
        _check_rate("regularization", self.regularization)
        # The batch size, epochs, seed and optimizer are checked where every run's
        # settings are: TrainConfig (one home for those rules and their messages).
        try:
            playground_train_config(self)
        except TrainError as error:
            raise PlaygroundError(error.message, key=error.key, **error.values) from None

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Units per layer, inputs to outputs: ``(2, 8, 8, 2)`` for two features, two
        hidden layers of 8 and the two logits."""
        return (len(self.features), *self.hidden, 2)

    def replace(self, **changes: Any) -> PlaygroundConfig:
        """A copy with some fields changed (and checked again)."""
        return dataclasses.replace(self, **changes)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _check_width(layer: int, width: Any) -> None:
    if isinstance(width, bool) or not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise PlaygroundError(
            key="playground.width_range",
            layer=layer + 1,
            width=width,
            low=MIN_WIDTH,
            high=MAX_WIDTH,
        )


def _check_rate(name: str, value: Any) -> None:
    choices = LEARNING_RATES if name == "lr" else REGULARIZATION_RATES
    low, high = choices[0], choices[-1]
    if not _is_number(value) or not low <= value <= high or (name == "lr" and value <= 0):
        key = "playground.lr_range" if name == "lr" else "playground.regularization_range"
        raise PlaygroundError(key=key, value=value, low=low, high=high)


# --------------------------------------------------------------------------- controls


def add_layer(config: PlaygroundConfig) -> PlaygroundConfig:
    """One more hidden layer at the end, as wide as the last one (4 if there is none)."""
    if len(config.hidden) >= MAX_HIDDEN_LAYERS:
        raise PlaygroundError(key="playground.layers_max", max=MAX_HIDDEN_LAYERS)
    width = config.hidden[-1] if config.hidden else NEW_LAYER_WIDTH
    return config.replace(hidden=(*config.hidden, width))


def remove_layer(config: PlaygroundConfig, layer: int | None = None) -> PlaygroundConfig:
    """Without hidden layer ``layer`` (0-based; the last one when None)."""
    if not config.hidden:
        raise PlaygroundError(key="playground.layers_none")
    index = len(config.hidden) - 1 if layer is None else _layer_index(config, layer)
    return config.replace(hidden=config.hidden[:index] + config.hidden[index + 1 :])


def _layer_index(config: PlaygroundConfig, layer: int) -> int:
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(config.hidden):
        raise PlaygroundError(key="playground.layer_missing", layer=layer, count=len(config.hidden))
    return layer


def set_width(config: PlaygroundConfig, layer: int, width: int) -> PlaygroundConfig:
    """Hidden layer ``layer`` (0-based) with ``width`` units (1 to 8)."""
    index = _layer_index(config, layer)
    _check_width(index, width)
    hidden = list(config.hidden)
    hidden[index] = width
    return config.replace(hidden=tuple(hidden))


def change_width(config: PlaygroundConfig, layer: int, delta: int) -> PlaygroundConfig:
    """Hidden layer ``layer`` with ``delta`` units more (or fewer, when negative)."""
    index = _layer_index(config, layer)
    return set_width(config, index, config.hidden[index] + delta)


def set_activation(config: PlaygroundConfig, name: str) -> PlaygroundConfig:
    """Every hidden layer with the activation ``name`` (``relu``, ``tanh``, ...)."""
    return config.replace(activation=str(name).strip().lower())


def next_activation(config: PlaygroundConfig) -> PlaygroundConfig:
    """The next activation in :data:`ACTIVATIONS`' order, round the end."""
    names = list(ACTIVATIONS)
    return config.replace(activation=names[(names.index(config.activation) + 1) % len(names)])


def toggle_feature(config: PlaygroundConfig, feature: str) -> PlaygroundConfig:
    """With ``feature`` switched on, or off if it was on (the last one stays on)."""
    try:
        fid = feature_ids([feature])[0]
    except FeatureError as error:
        raise PlaygroundError(error.message) from None
    if fid in config.features:
        if len(config.features) == 1:
            raise PlaygroundError(key="playground.feature_last")
        return config.replace(features=tuple(f for f in config.features if f != fid))
    return config.replace(features=(*config.features, fid))


def _step(choices: tuple[float, ...], value: float, steps: int) -> float | None:
    """The choice ``steps`` places from ``value``, or None past either end. A value
    between two choices steps up to the one above it and down to the one below."""
    exact = [i for i, c in enumerate(choices) if abs(c - value) <= 1e-9 * max(abs(c), 1e-12)]
    if exact:
        target = exact[0] + steps
    else:
        above = sum(1 for c in choices if c < value)  # index of the first choice above
        target = above + steps - 1 if steps > 0 else above + steps
    return choices[target] if 0 <= target < len(choices) else None


def step_lr(config: PlaygroundConfig, steps: int = 1) -> PlaygroundConfig:
    """The learning rate ``steps`` choices up (down when negative) Playground's list."""
    value = _step(LEARNING_RATES, config.lr, steps)
    if value is None:
        raise PlaygroundError(
            key="playground.lr_range",
            value=config.lr,
            low=LEARNING_RATES[0],
            high=LEARNING_RATES[-1],
        )
    return config.replace(lr=value)


def step_regularization(config: PlaygroundConfig, steps: int = 1) -> PlaygroundConfig:
    """The L2 rate ``steps`` choices up (down when negative); 0 is the first choice."""
    value = _step(REGULARIZATION_RATES, config.regularization, steps)
    if value is None:
        raise PlaygroundError(
            key="playground.regularization_range",
            value=config.regularization,
            low=REGULARIZATION_RATES[0],
            high=REGULARIZATION_RATES[-1],
        )
    return config.replace(regularization=value)


def step_noise(config: PlaygroundConfig, steps: int = 1) -> PlaygroundConfig:
    """The noise ``steps`` × 5 % up (down when negative), within 0 .. 50 %."""
    value = round(config.noise + steps * NOISE_STEP, 2)
    if not 0 <= value <= MAX_NOISE:
        raise PlaygroundError(key="playground.noise_range", value=config.noise, high=MAX_NOISE)
    return config.replace(noise=value)


def set_dataset(config: PlaygroundConfig, name: str) -> PlaygroundConfig:
    """Another 2-D set (its registry name or alias)."""
    from tutor.engine.datasets.registry import DataError, dataset_info

    try:
        canonical = dataset_info(name).name
    except DataError:
        canonical = name
    return config.replace(dataset=canonical)


# --------------------------------------------------------------------------- building


def playground_spec(config: PlaygroundConfig, name: str = "playground") -> Any:
    """The network as a :class:`~tutor.engine.spec.ModelSpec`: the features layer, then
    ``fcK`` Linear + ``actK`` activation per hidden layer, then ``out``, the logits.

    Built through :func:`~tutor.engine.spec.parse_spec`, exactly like a spec file, so
    it is checked the same way and reads the same in dissect and exported code.
    """
    from tutor.engine.spec import parse_spec

    layers: list[Any] = [{"name": "features", "PlaneFeatures": {"features": list(config.features)}}]
    width = len(config.features)
    for k, units in enumerate(config.hidden, start=1):
        layers.append({"name": f"fc{k}", "Linear": {"in_features": width, "out_features": units}})
        layers.append({"name": f"act{k}", ACTIVATIONS[config.activation]: None})
        width = units
    layers.append({"name": "out", "Linear": {"in_features": width, "out_features": 2}})
    sizes = "-".join(str(n) for n in config.layer_sizes)
    return parse_spec(
        {
            "name": name,
            "input": [2],
            "layers": layers,
            "description": f"{sizes} {config.activation} network on {config.dataset}",
        }
    )


_ACTIVATION_NAMES = {layer: name for name, layer in ACTIVATIONS.items()}
"""``torch.nn`` layer type -> activation name (``Tanh`` -> ``tanh``)."""


def _arguments(layer: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A layer's arguments by name, however the spec wrote them (positional or not)."""
    return {**dict(zip(names, layer.args, strict=False)), **dict(layer.kwargs)}


def config_from_spec(spec: Any, **settings: Any) -> PlaygroundConfig:
    """The config whose network is ``spec`` (a :class:`~tutor.engine.spec.ModelSpec`),
    with ``settings`` (dataset, noise, lr, ...) for the rest: the inverse of
    :func:`playground_spec`, so a lesson can name its playground network as a model and
    state facts about it (``model.NAME.params``) that are facts about what is trained.

    The spec must have the playground's form: two inputs, an optional
    :class:`~tutor.engine.plane.PlaneFeatures` layer, then per hidden layer a ``Linear``
    and the same activation each time, then a ``Linear`` with two outputs (biases on).
    Layer names do not matter.

    Raises:
        PlaygroundError: ``playground.not_a_network`` when the spec has another form;
            the config's own errors for settings out of range.
    """
    refused = PlaygroundError(key="playground.not_a_network", name=spec.name)
    layers = list(spec.layers)
    if tuple(spec.input) != (2,) or not layers:
        raise refused
    features: tuple[str, ...] = DEFAULT_FEATURES
    if layers[0].type == "PlaneFeatures":
        features = tuple(_arguments(layers[0], ("features",)).get("features", DEFAULT_FEATURES))
        layers = layers[1:]

    def width(layer: Any) -> int:
        if layer.type != "Linear":
            raise refused
        values = _arguments(layer, ("in_features", "out_features", "bias"))
        if not values.get("bias", True):
            raise refused
        return int(values["out_features"])

    hidden: list[int] = []
    activations: set[str] = set()
    while len(layers) > 1:
        if layers[1].type not in _ACTIVATION_NAMES:
            raise refused
        hidden.append(width(layers[0]))
        activations.add(layers[1].type)
        layers = layers[2:]
    if len(layers) != 1 or width(layers[0]) != 2 or len(activations) > 1:
        raise refused
    if activations:
        settings["activation"] = _ACTIVATION_NAMES[activations.pop()]
    return PlaygroundConfig(features=features, hidden=tuple(hidden), **settings)


def playground_train_config(config: PlaygroundConfig) -> TrainConfig:
    """The :class:`~tutor.engine.config.TrainConfig`: cross-entropy on the two logits,
    ``regularization`` as ``weight_decay``."""
    return TrainConfig(
        optimizer=config.optimizer,
        lr=config.lr,
        weight_decay=config.regularization,
        batch_size=config.batch_size,
        epochs=config.epochs,
        loss="cross_entropy",
        seed=config.seed,
    )


@dataclass
class Playground:
    """A playground ready to train: the spec, a fresh model, its data and settings."""

    config: PlaygroundConfig
    spec: Any
    """The :class:`~tutor.engine.spec.ModelSpec`."""
    model: Any
    """The ``nn.Sequential``, freshly initialised from ``config.seed``."""
    data: Any
    """The ``tutor.engine.data.Dataset`` at ``config.noise``."""
    train_config: Any

    def trainer(
        self,
        on_event: Callable[[object], None] | None = None,
        *,
        device: Any = None,
        reserve_core: bool = False,
        progress_interval: float = 0.1,
    ) -> Any:
        """A :class:`~tutor.engine.train.Trainer` on this very model and data (no
        checkpoints: a playground run is restarted, not resumed), for the benchmarks
        and tests that time the loop itself. The app trains through
        :class:`~tutor.engine.run.TrainingRun` (``tutor.course.steps.boundary.start``)."""
        from tutor.engine.train import Trainer

        return Trainer(
            self.model,
            self.data,
            self.train_config,
            device=device if device is not None else self.data.device,
            on_event=on_event,
            spec=self.spec,
            progress_interval=progress_interval,
            reserve_core=reserve_core,
        )


def playground_script(config: PlaygroundConfig, epochs: int | None = None) -> Script:
    """The whole playground as a :class:`~tutor.engine.script.Script`: the points (the
    same as the app's), the network with its features layer, and the training loop with
    these settings (kept in parts, so a lesson's steps join into one script).

    ``epochs``: how long the script trains (the app trains until stopped; pass the
    epochs it ran); ``config.epochs`` when None.
    """
    from tutor.engine.codegen import model_script, training_script

    spec = playground_spec(config)
    train = playground_train_config(config.replace(epochs=epochs or config.epochs))
    return model_script(spec) + training_script(spec, config.dataset, train, config.noise)


def playground_code(config: PlaygroundConfig, epochs: int | None = None) -> str:
    """:func:`playground_script` as one runnable script."""
    return playground_script(config, epochs).text()


def build_playground(config: PlaygroundConfig, device: Any = "cpu") -> Playground:
    """The spec, a freshly initialised model, the data and the training settings for
    ``config``, on ``device``. Restarting is calling this again."""
    from tutor.engine.build import build_model
    from tutor.engine.data import load_dataset

    spec = playground_spec(config)
    data = load_dataset(config.dataset, device=device, noise=config.noise)
    model = build_model(spec, data.device, seed=config.seed)
    return Playground(config, spec, model, data, playground_train_config(config))
