"""A corpus of broken lesson files: each gives exit 1 and exactly its located message."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from tutor.cli import main

BROKEN = Path(__file__).resolve().parent / "broken"

EXPECTED = {
    "01-yaml-syntax.yaml": (
        "6:1: error: YAML syntax error: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)"
    ),
    "02-unknown-step-kind.yaml": (
        "4:11: error: unknown step kind 'txt' (did you mean 'text'?); step kinds: text, samples, dissect, forward, softmax, backward, step, modes, train, plot, quiz, code, sandbox, boundary"
    ),
    "03-unknown-step-field.yaml": (
        "5:5: error: unknown field 'bdy' (did you mean 'body'?); allowed here: id, title, text, expect, body, include"
    ),
    "04-unknown-lesson-field.yaml": (
        "3:1: error: unknown field 'stpes' (did you mean 'steps'?); allowed here: id, title, summary, languages, dataset, models, steps, order"
    ),
    "05-wrong-type.yaml": ("9:13: error: 'epochs' must be a whole number, not 'three'"),
    "06-unknown-layer.yaml": (
        "8:9: error: unknown layer type 'Relu' (did you mean 'ReLU'?); allowed layers: Linear, Conv1d, Conv2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, Flatten, Unflatten, ReLU, LeakyReLU, Tanh, Hardtanh, Sigmoid, GELU, Softmax, LogSoftmax, Dropout, BatchNorm1d, BatchNorm2d, Identity, PlaneFeatures"
    ),
    "07-bad-layer-argument.yaml": (
        "7:34: error: Linear has no argument 'out_feature' (did you mean 'out_features'?); it takes: in_features, out_features, bias"
    ),
    "08-shape-mismatch.yaml": (
        "12:9: error: fc1 (Linear) expects 256 input features but (N, 16, 5, 5) flattens to 400; set in_features: 400"
    ),
    "09-placeholder-missing-model.yaml": (
        "7:11: error: placeholder 'model.cnn.params': this lesson has no model 'cnn'; its models: mlp"
    ),
    "10-placeholder-missing-layer.yaml": (
        "7:11: error: placeholder 'model.mlp.layer.fc2.params': model 'mlp' has no layer 'fc2' (did you mean 'fc1'?); its layers: fc1"
    ),
    "11-expect-disagrees.yaml": (
        "9:35: error: expect: model.mlp.layer.fc1.params is computed as 78500, but the lesson says 78400"
    ),
    "12-python-tag.yaml": (
        "5:11: error: the YAML tag !!python/object/apply:os.system would create a Python object; lesson files may only hold plain data (text, numbers, lists, mappings)"
    ),
    "13-asset-escapes.yaml": (
        "5:14: error: the asset path '../../../etc/passwd' leaves the lesson's folder; lessons may only include files beside them"
    ),
    "14-missing-translation.yaml": (
        "6:11: error: missing Korean (ko) translation: this lesson requires en, ko; write {en: ..., ko: ...}"
    ),
    "15-duplicate-step-id.yaml": ("7:9: error: duplicate step id 'intro': step 1 already uses it"),
    "16-missing-steps.yaml": ("1:1: error: missing field 'steps': the list of the lesson's steps"),
    "17-quiz-correct-out-of-range.yaml": (
        "4:5: error: 'correct' is 2 but there are only 2 choices (0 to 1)"
    ),
    "18-unknown-dataset.yaml": (
        "5:14: error: unknown dataset 'fashion-mnsit' (did you mean 'fashion-mnist'?); datasets: fashion-mnist, mnist, cifar10, cifar2, thermometer, circle, xor, gauss, spiral, mnist-5k, shapes-2"
    ),
    "19-model-does-not-fit-data.yaml": (
        "7:12: error: model 'mlp' takes one sample of shape [784] but fashion-mnist samples are [1, 28, 28]"
    ),
    "20-too-few-logits.yaml": (
        "7:12: error: model 'mlp' gives 5 logits but fashion-mnist has 10 classes: its last layer needs out_features: 10"
    ),
    "21-softmax-before-cross-entropy.yaml": (
        "9:11: error: model 'mlp' ends in Softmax, but cross_entropy applies log-softmax itself: remove the last layer, or use loss: nll after LogSoftmax"
    ),
    "22-model-too-large.yaml": (
        "5:5: error: model 'huge' has 10,000,100,000 parameters (37.3 GiB as float32), above the limit of 200,000,000; it was not built"
    ),
    "23-duplicate-key.yaml": ("6:5: error: duplicate key 'body': it is already set above"),
    "24-alias-bomb.yaml": (
        "3:26: error: the document expands to more than 200,000 values (too many aliases?); it was not loaded"
    ),
    "25-not-a-mapping.yaml": ("1:1: error: a lesson must be a mapping with id, title and steps"),
    "26-numeric-quiz-not-a-number.yaml": (
        "8:18: error: 'model.mlp.layer.fc1.weight_shape' is (2, 4), not a number; a numeric quiz needs a number"
    ),
    "27-softmax-both-sources.yaml": (
        "6:5: error: a softmax step needs either 'logits' (with 'label') or 'model'"
    ),
    "28-placeholder-not-a-fact.yaml": (
        "5:11: error: placeholder '{{ __import__('os').system('ls') }}' is not a fact; write model.NAME.ATTR, model.NAME.layer.LAYER.ATTR or dataset.NAME.ATTR"
    ),
    "29-missing-required-field.yaml": ("4:5: error: missing field 'model'"),
    "30-nll-without-logsoftmax.yaml": (
        "9:11: error: loss: nll expects log-probabilities, so model 'mlp' must end in LogSoftmax (it ends in Linear)"
    ),
    "31-particle-after-fact.yaml": (
        "12:1: error: the particle '를' right after a computed value depends on its last sound, which the text cannot know: write '을(를)' or rephrase"
    ),
    "32-particle-after-emphasis.yaml": (
        "8:11: error: the particle '는' is cut from its word by '** ': put the emphasis around the word and its particle, or end the emphasis before a parenthesis"
    ),
    "33-unknown-outcome.yaml": (
        "10:14: error: unknown outcome 'diverge' (did you mean 'diverges'?); outcomes: diverges, loss_falls, val_loss_ends_above_train, val_loss_minimum_before_end, accuracy_at_least, accuracy_below, train_val_gap_at_least, train_val_gap_below, val_loss_rise_below"
    ),
    "34-sandbox-unknown-goal.yaml": (
        "7:7: error: unknown field 'output' (did you mean 'output_shape'?); allowed here: output_shape, params, params_at_most, params_at_least, fits, layer"
    ),
    "35-sandbox-goal-shape.yaml": (
        "7:21: error: shape [N, ten]: each size is a whole number, N (the batch, first only) or null (any size); 'ten' is none of these"
    ),
    "36-sandbox-solution-misses-goal.yaml": (
        "8:15: error: the solution does not meet the goal 'fc1 has at most 5,000 parameters' (it has 7,850)"
    ),
    "140-backward-layer-without-weight.yaml": (
        "9:12: error: model 'mlp' has no weight in layer '2'; layers with weights: fc1, fc2"
    ),
    "141-backward-unit-out-of-range.yaml": (
        "10:11: error: fc1 has 100 units (0 to 99): there is no unit 100"
    ),
    "142-backward-sample-outside-batch.yaml": (
        "10:13: error: sample 16 is not in a batch of 16 (0 to 15)"
    ),
    "143-backward-unknown-outcome.yaml": (
        "9:14: error: unknown outcome 'grad_ratio' (did you mean 'grad_ratio_below'?); outcomes here: grad_ratio_below, saturated_at_least, grad_zero, units_stay_identical"
    ),
    "144-backward-grad-zero-unknown-param.yaml": (
        "10:26: error: model 'mlp' has no parameter 'fc3.weight' (did you mean 'fc2.weight'?)"
    ),
    "145-backward-symmetry-needs-zeros.yaml": (
        "9:14: error: units_stay_identical is shown for init: zeros only: add init: zeros"
    ),
    "146-step-unknown-param.yaml": (
        "10:17: error: model 'mlp' has no parameter 'fc1.wieght' (did you mean 'fc1.weight'?); its parameters: fc1.weight, fc1.bias, fc2.weight, fc2.bias"
    ),
    "147-step-index-outside.yaml": (
        "10:36: error: fc1.weight has shape (100, 784): [100, 0] is not a position in it (give 2 indices, each from 0 to the size − 1)"
    ),
    "148-step-claim-about-hidden-optimizer.yaml": (
        "10:14: error: loss_falls names 'adam', which this step does not show; its optimizers: sgd"
    ),
    "149-step-unknown-optimizer.yaml": (
        "9:23: error: 'optimizers[1]' must be 'sgd', 'momentum' or 'adam', not 'rmsprop'"
    ),
    "150-modes-batch-of-one.yaml": (
        "9:17: error: 'batch_size' must be at least 2, not 1"
    ),
    "151-backward-unknown-init.yaml": (
        "9:11: error: 'init' must be 'default', 'zeros' or 'large', not 'ones'"
    ),
}


def test_corpus_is_complete():
    files = sorted(p.name for p in BROKEN.glob("*.yaml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 20


def assert_reported(folder: Path, name: str, message: str, capsys, monkeypatch) -> None:
    """``tutor validate NAME`` in ``folder`` exits 1 with exactly ``NAME:message``."""
    monkeypatch.chdir(folder)
    code = main(["validate", name])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [f"{name}:{message}"]
    assert "Traceback" not in out + err
    assert "0 of 1 file valid" in err


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_lesson_reports_its_line_and_message(name: str, capsys, monkeypatch):
    assert_reported(BROKEN, name, EXPECTED[name], capsys, monkeypatch)


def test_several_files_each_reported(capsys, monkeypatch):
    monkeypatch.chdir(BROKEN)
    names = sorted(EXPECTED)[:5]
    assert main(["validate", *names]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 5
    assert "0 of 5 files valid" in err


def test_all_problems_of_one_file_are_reported_at_once(tmp_path: Path, capsys):
    path = tmp_path / "many.yaml"
    path.write_text(
        "id: many\n"
        "title: Many\n"
        "dataset: fashion-mnst\n"
        "models:\n"
        "  mlp: {input: [1, 28, 28], layers: [Flatten, {Linear: [700, 10]}]}\n"
        "steps:\n"
        "  - kind: txt\n"
        "  - kind: dissect\n"
        "    model: mpl\n"
        "  - kind: quiz\n"
        "    question: q\n"
        "    choices: [a, b]\n"
        "    correct: 5\n"
    )
    assert main(["validate", str(path)]) == 1
    lines = [
        line.split(": error: ")[0].removeprefix(f"{path}:")
        for line in capsys.readouterr().out.splitlines()
    ]
    assert lines == ["3:10", "5:47", "7:11", "9:12", "10:5"]


def test_model_too_large_is_refused_without_allocating(capsys, monkeypatch):
    monkeypatch.chdir(BROKEN)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["validate", "22-model-too-large.yaml"]) == 1
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "10,000,100,000 parameters" in capsys.readouterr().out
    assert after - before < 200_000  # KiB; the weights would need 37 GiB
