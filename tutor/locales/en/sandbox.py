"""English: the model sandbox (a step kind, and a screen from the command palette)."""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "kind.sandbox": "Model sandbox",
    "key.edit": "Edit",
    "key.stop_editing": "Stop editing",
    "key.reset": "Start over",
    "palette.sandbox": "Model sandbox",
    "palette.sandbox.help": "Write a model spec and watch its layer table follow",
    "sandbox.keys": "e edit the spec · ctrl+r start over",
    "sandbox.editing": "Editing: type freely. Escape stops editing (then n/p change the step).",
    "sandbox.table_keys": "↑/↓ layer",
    "sandbox.builds": "The model builds: {params} parameters.",
    "sandbox.stale": "The table below shows the last model that built.",
    "sandbox.goals": "Goals",
    "sandbox.now": "(now {value})",
    "sandbox.now.not_built": "the model does not build yet",
    "sandbox.now.no_layer": "no layer is named {layer}",
    "sandbox.solved": "Every goal is met. Well done!",
    "sandbox.solved_before": "You met every goal here before.",
    "sandbox.goal.output_shape": "the model outputs {shape}",
    "sandbox.goal.params": "exactly {n} parameters",
    "sandbox.goal.params_at_most": "at most {n} parameters",
    "sandbox.goal.params_at_least": "at least {n} parameters",
    "sandbox.goal.fits": "it fits {data}: one sample {sample} in, {k} logits out",
    "sandbox.goal.layer_type": "{layer} is a {type} layer",
    "sandbox.goal.layer_in": "{layer} takes {shape}",
    "sandbox.goal.layer_out": "{layer} gives {shape}",
    "sandbox.goal.layer_params": "{layer} has exactly {n} parameters",
    "sandbox.goal.layer_params_at_most": "{layer} has at most {n} parameters",
    "sandbox.free.title": "Model sandbox",
    "sandbox.free.text": (
        "A model spec, as lessons write them: `input` is one sample without the batch, "
        "`layers` are the `torch.nn` layers in order. Press `e` to edit it: the table below "
        "follows as you type, and problems appear beside the editor with their line and "
        "column. Only allow-listed layers can be written; nothing typed here runs as code."
    ),
}
