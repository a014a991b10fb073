"""English: the lesson ``tutor explore FILE.py:NAME`` makes for the learner's own model."""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "explore.title": "Exploring {name}",
    "explore.summary": "Your own model {name}: its layers, real samples through it, training and its code.",
    "explore.intro": (
        "This lesson was made for **{name}** from `{file}`, built as `{call}`. A batch of N "
        "samples goes in as {input} and comes out as {output}; the model holds {params} "
        "parameters. Every number on the next screens is computed by PyTorch from your own code."
    ),
    "explore.data.auto": (
        "The data: **{data}**, whose samples are {sample}, chosen from the input shape "
        "(for another set: `tutor explore FILE.py:NAME --dataset NAME`)."
    ),
    "explore.data.given": "The data: **{data}**, as asked with `--dataset`.",
    "explore.no_data": (
        "No dataset here takes one sample of {input} ({known}), so this lesson shows the "
        "model's layers and its code."
    ),
    "explore.mismatch": "On {data}: {reason}. The steps that need it are left out.",
    "explore.no_pictures": (
        "The samples of {data} are points, not pictures: there are no sample and "
        "forward-pass screens for them."
    ),
    "explore.steps": "The steps: {steps}.",
    "explore.dissect.title": "The layers of {name}",
    "explore.dissect.text": (
        "Every layer as PyTorch ran it on a batch of N samples: input and output shapes, "
        "weight and bias shapes, parameter counts with their formula. ↑/↓ selects a layer; "
        "`b`/`B` doubles or halves N, and only the activations follow."
    ),
    "explore.samples.title": "The data: {data}",
    "explore.samples.text": (
        "Each sample is an (image, label) pair. Your model takes one image as {input}, and a "
        "batch of them at once."
    ),
    "explore.forward.title": "One sample through {name}",
    "explore.forward.text": (
        "A real sample through your model, layer by layer, down to its output. `[`/`]` "
        "choose another sample. Until you train it, the weights are the ones your code starts with."
    ),
    "explore.softmax.title": "The logits of {name} as probabilities",
    "explore.softmax.text": (
        "Your model gives {k} numbers per sample, one logit per class. Softmax turns them "
        "into probabilities, and cross-entropy scores the true class. `[`/`]` choose another "
        "sample."
    ),
    "explore.train.title": "Training {name}",
    "explore.train.text": (
        "Press `s`: tutor builds a fresh model with `{call}` (new random weights) and trains "
        "it on this data. `l`/`L` change the learning rate, `b`/`B` the batch size. After "
        "training, the steps before this one show the trained model."
    ),
    "explore.code.title": "The code",
    "explore.code.text": (
        "The plain PyTorch of this lesson: how a notebook imports {name} from `{file}` and "
        "builds the model, then the training loop with these settings."
    ),
    "explore.code.text_model": (
        "The plain PyTorch of this lesson: how a notebook imports {name} from `{file}` and "
        "builds the model."
    ),
}
