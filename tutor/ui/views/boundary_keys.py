"""The boundary view's keys that change the network, the data or the training settings.

Each key is one of the engine's controls (:mod:`tutor.engine.playground`: pure
functions from a config to a new config, refusing a change past a limit), handed to
the view's ``change``, which explains a refusal and starts a new generation when the
network, the data or the L2 rate changed. A step's ``controls:`` says which keys it
offers: the others are hidden from the footer and do nothing.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from tutor.engine import playground as pg
from tutor.engine.datasets.plane_info import PLANE_SETS
from tutor.engine.features import FEATURE_IDS
from tutor.errors import TutorError

CONTROL_OF_ACTION = {
    "add_layer": "layers",
    "remove_layer": "layers",
    "select": "width",
    "width": "width",
    "activation": "activation",
    "feature": "features",
    "lr": "lr",
    "regularization": "regularization",
    "noise": "noise",
    "dataset": "dataset",
}
"""Which control (a step's ``controls:``) each key's action belongs to."""

NETWORK_BINDINGS = [
    Binding("a", "add_layer", "key.add_layer"),
    Binding("d", "remove_layer", "key.remove_layer"),
    Binding("left_square_bracket", "select(-1)", "key.layer_prev", show=False),
    Binding("right_square_bracket", "select(1)", "key.layer_next", show=False),
    Binding("plus,equals_sign", "width(1)", "key.wider"),
    Binding("minus,underscore", "width(-1)", "key.narrower"),
    Binding("t", "activation", "key.activation"),
    *(
        Binding(str(i + 1), f"feature({i})", "key.feature", show=False)
        for i in range(len(FEATURE_IDS))
    ),
    Binding("l", "lr(1)", "key.lr_up", show=False),
    Binding("L", "lr(-1)", "key.lr_down", show=False),
    Binding("w", "regularization(1)", "key.l2_up", show=False),
    Binding("W", "regularization(-1)", "key.l2_down", show=False),
    Binding("o", "noise(1)", "key.noise_up", show=False),
    Binding("O", "noise(-1)", "key.noise_down", show=False),
    Binding("k", "dataset", "key.dataset", show=False),
]
"""The keys of :class:`PlaygroundKeys` (Textual takes bindings from widget classes
only, so the view lists these in its own ``BINDINGS``)."""


class PlaygroundKeys:
    """Key actions of :class:`~tutor.ui.views.boundary.BoundaryView` (a mixin: it uses
    the view's ``config``, ``selected``, ``allowed`` and ``change``)."""

    config: Any
    selected: int
    allowed: set[str]
    _map_dirty: bool

    def change(self, edit: Any, control: str, restart: bool = True) -> None:
        raise NotImplementedError  # the view's

    def draw_settings(self) -> None:
        raise NotImplementedError  # the view's

    def lr_changed_live(self) -> None:
        raise NotImplementedError  # the view's

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys of controls the step does not offer are hidden and do nothing."""
        control = CONTROL_OF_ACTION.get(action)
        return control is None or control in self.allowed

    def action_add_layer(self) -> None:
        self.change(pg.add_layer, "layers")
        self.selected = max(len(self.config.hidden) - 1, 0)  # the new layer
        self.draw_settings()

    def action_remove_layer(self) -> None:
        self.change(lambda c: pg.remove_layer(c, self.selected if c.hidden else None), "layers")

    def action_select(self, step: int) -> None:
        if "width" in self.allowed and self.config.hidden:
            self.selected = (self.selected + step) % len(self.config.hidden)
            self._map_dirty = True  # the unit maps mark the selected layer
            self.draw_settings()

    def action_width(self, delta: int) -> None:
        def edit(config: Any) -> Any:
            if not config.hidden:
                raise TutorError(key="boundary.no_layer")
            return pg.change_width(config, self.selected, delta)

        self.change(edit, "width")

    def action_activation(self) -> None:
        self.change(pg.next_activation, "activation")

    def action_feature(self, index: int) -> None:
        self.change(lambda c: pg.toggle_feature(c, FEATURE_IDS[index]), "features")

    def action_lr(self, steps: int) -> None:
        # The run goes on with the new rate from its next epoch: no new generation.
        self.change(lambda c: pg.step_lr(c, steps), "lr", restart=False)
        self.lr_changed_live()

    def action_regularization(self, steps: int) -> None:
        self.change(lambda c: pg.step_regularization(c, steps), "regularization")

    def action_noise(self, steps: int) -> None:
        self.change(lambda c: pg.step_noise(c, steps), "noise")

    def action_dataset(self) -> None:
        def edit(config: Any) -> Any:
            sets = list(PLANE_SETS)
            return pg.set_dataset(config, sets[(sets.index(config.dataset) + 1) % len(sets)])

        self.change(edit, "dataset")
