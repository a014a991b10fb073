"""`tutor dissect FILE.py:NAME`: the learner's own model, and their errors as theirs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torchinfo

from tutor.cli import main
from tutor.engine.usercode import LearnerCodeError, load_user_model

# The course's model, as a learner writes it (names from their course).
LEARNER = """\
import torch
from torch import nn

from helpers import HIDDEN

print("hello from the learner's file")


class SimpleLinearModel_01(nn.Module):
    input_shape = (1, 28, 28)

    def __init__(self, hidden=HIDDEN):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_01 = nn.Linear(784, hidden)
        self.relu_01 = nn.ReLU()
        self.linear_02 = nn.Linear(hidden, 50)
        self.relu_02 = nn.ReLU()
        self.linear_03 = nn.Linear(50, 10)

    def forward(self, x):
        print("shape inside forward", x.shape)
        x = self.flatten(x)
        x = self.relu_01(self.linear_01(x))
        x = self.relu_02(self.linear_02(x))
        return self.linear_03(x)


def make_model(hidden=32):
    return SimpleLinearModel_01(hidden=hidden)


model = SimpleLinearModel_01()

if __name__ == "__main__":
    raise SystemExit("the training script must not run")
"""


def _learner(tmp_path: Path, text: str = LEARNER, name: str = "my_model.py") -> Path:
    (tmp_path / "helpers.py").write_text("HIDDEN = 100\n")
    path = tmp_path / name
    path.write_text(text)
    return path


def _tutor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", "dissect", *args, "--device", "cpu"],
        capture_output=True,
        text=True,
        check=False,
    )


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(f"reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    before = set(sys.modules)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
        for name in set(sys.modules) - before:  # its helpers.py must not linger
            if str(getattr(sys.modules[name], "__file__", "")).startswith(str(path.parent)):
                del sys.modules[name]
    return module


def test_class_in_learner_file_prints_the_table(tmp_path: Path):
    path = _learner(tmp_path)
    result = _tutor(f"{path}:SimpleLinearModel_01")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    for layer in ("linear_01 Linear", "linear_02 Linear", "linear_03 Linear"):
        assert layer in out
    assert "784 × 100 + 100 = 78,500" in out  # the default hidden=HIDDEN from helpers.py
    assert "FLOPs" in out and "torch.utils.flop_counter" in out
    # The learner's prints go to stderr, never into the table.
    assert "hello from the learner's file" in result.stderr
    assert "hello" not in result.stdout
    assert "training script" not in result.stderr + result.stdout


def test_factory_with_args_json_equals_torchinfo(tmp_path: Path):
    path = _learner(tmp_path)
    result = _tutor(f"{path}:make_model", "--args", '{"hidden": 64}', "--batch", "8", "--json")
    assert result.returncode == 0, result.stderr
    ours = json.loads(result.stdout)  # prints in forward did not corrupt the JSON
    assert ours["model"] == "my_model.py:make_model"
    assert ours["input_shape"] == [8, 1, 28, 28]
    model = _import(path).make_model(hidden=64)
    stats = torchinfo.summary(model, input_size=(8, 1, 28, 28), verbose=0, device="cpu")
    leaves = [layer for layer in stats.summary_list if layer.is_leaf_layer]
    assert [layer["path"] for layer in ours["layers"]] == [
        "flatten",
        "linear_01",
        "relu_01",
        "linear_02",
        "relu_02",
        "linear_03",
    ]
    for mine, ref in zip(ours["layers"], leaves, strict=True):
        assert mine["type"] == ref.class_name
        assert mine["output_shape"] == list(ref.output_size)
        assert mine["num_params"] == ref.num_params
        assert mine["mult_adds"] == ref.macs
    assert ours["layers"][1]["param_shapes"] == {"weight": [64, 784], "bias": [64]}
    assert ours["total_params"] == stats.total_params == 784 * 64 + 64 + 64 * 50 + 50 + 510
    assert ours["total_mult_adds"] == stats.total_mult_adds
    # No bias in FLOPs: 2 per multiply-add of each x @ W.T, batch 8.
    assert ours["total_flops"] == 2 * 8 * (784 * 64 + 64 * 50 + 50 * 10)


def test_syntax_error_shows_their_file_line_and_caret(tmp_path: Path):
    path = _learner(
        tmp_path,
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self x):\n        return x\n",
        "broken.py",
    )
    result = _tutor(f"{path}:Net")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"tutor: error: {path}:5:22: SyntaxError: invalid syntax"
    assert lines[1] == "    def forward(self x):"
    assert lines[2] == "    " + " " * len("def forward(self ") + "^"


def test_exception_in_init_shows_their_line(tmp_path: Path):
    text = LEARNER.replace(
        "        self.flatten = nn.Flatten()\n",
        "        self.flatten = nn.Flatten()\n"
        "        if hidden % 2:\n"
        '            raise ValueError(f"hidden must be even, got {hidden}")\n',
    )
    path = _learner(tmp_path, text)
    result = _tutor(f"{path}:make_model", "--args", '{"hidden": 33}')
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = text.splitlines().index(
        '            raise ValueError(f"hidden must be even, got {hidden}")'
    )
    assert (
        f"{path}:{line + 1}: in __init__: ValueError: hidden must be even, got 33" in result.stderr
    )
    assert 'raise ValueError(f"hidden must be even, got {hidden}")' in result.stderr
    assert "(while building make_model(hidden=33))" in result.stderr


def test_shape_error_in_forward_shows_their_line_and_the_layer(tmp_path: Path):
    text = LEARNER.replace("nn.Linear(50, 10)", "nn.Linear(30, 10)")
    path = _learner(tmp_path, text)
    result = _tutor(f"{path}:SimpleLinearModel_01")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = text.splitlines().index("        return self.linear_03(x)") + 1
    err = result.stderr
    assert (
        f"{path}:{line}: in forward: RuntimeError: mat1 and mat2 shapes cannot be multiplied" in err
    )
    assert "    return self.linear_03(x)" in err
    assert "in layer linear_03 (Linear) on input (1, 50)" in err


def test_missing_name_suggests_the_right_one(tmp_path: Path, capsys):
    path = _learner(tmp_path)
    assert main(["dissect", f"{path}:SimpleLinearModel_1"]) == 1
    err = capsys.readouterr().err
    assert f"{path}: there is no 'SimpleLinearModel_1' in this file" in err
    assert "(did you mean 'SimpleLinearModel_01'?)" in err
    assert "it defines: SimpleLinearModel_01, make_model, model" in err


@pytest.mark.parametrize(
    ("target", "args", "expected"),
    [
        ("{p}", None, "name the model to build, as {p}:NAME (this file defines: "),
        ("{d}/nowhere.py:Net", None, "nowhere.py: no such file"),
        ("{p}:make_model", "{hidden: 64}", "--args is not valid JSON at line 1 column 2"),
        ("{p}:make_model", "[64]", "--args must be a JSON object of keyword arguments"),
        (
            "{p}:make_model",
            '{"hiden": 64}',
            "got an unexpected keyword argument 'hiden' (did you mean 'hidden'?); "
            "its parameters: hidden=32",
        ),
        ("{p}:model", '{"hidden": 64}', "is already a built SimpleLinearModel_01 module"),
        ("{p}:torch", None, "is the module torch, not an nn.Module subclass"),
    ],
)
def test_learner_file_errors_exit_1(tmp_path: Path, capsys, target, args, expected):
    path = _learner(tmp_path)
    argv = ["dissect", target.format(p=path, d=tmp_path)]
    if args is not None:
        argv += ["--args", args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert expected.format(p=path) in err
    assert "Traceback" not in err


def test_import_errors_point_at_their_line_also_in_helpers(tmp_path: Path, capsys):
    path = _learner(tmp_path, "import torch\n\nimport numpyy\n", "imports.py")
    assert main(["dissect", f"{path}:Net"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3: in <module>: ModuleNotFoundError: No module named 'numpyy'" in err
    assert "(while importing imports.py)" in err
    (tmp_path / "layers.py").write_text("def width():\n    return 1 / 0\n")
    text = "import layers\nfrom torch import nn\n\ndef build():\n    return nn.Linear(layers.width(), 2)\n"
    path = _learner(tmp_path, text, "uses_layers.py")
    assert main(["dissect", f"{path}:build"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'layers.py'}:2: in width: ZeroDivisionError: division by zero" in err
    assert "(while building build())" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys):
    path = _learner(tmp_path)
    assert main(["dissect", "torchvision:resnet18", "--args", '{"num_classes": 2}']) == 2
    assert "--args builds a model from your own FILE.py:NAME" in capsys.readouterr().err
    assert main(["dissect", f"{path}:make_model", "--model", "x"]) == 2
    with pytest.raises(SystemExit) as caught:
        main(["dissect", f"{path}:make_model", "--args"])
    assert caught.value.code == 2


def test_no_input_known_asks_for_input(tmp_path: Path, capsys):
    path = _learner(tmp_path, LEARNER.replace("    input_shape = (1, 28, 28)\n", ""))
    assert main(["dissect", f"{path}:SimpleLinearModel_01"]) == 1
    assert "give the input with --input, such as --input 1,28,28" in capsys.readouterr().err
    assert main(["dissect", f"{path}:SimpleLinearModel_01", "--input", "784", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["input_shape"] == [1, 784]


def test_folder_on_sys_path_only_while_loading(tmp_path: Path):
    path = _learner(tmp_path)
    before = list(sys.path)
    user = load_user_model(f"{path}:make_model", '{"hidden": 16}')
    assert sys.path == before
    assert "helpers" not in sys.modules  # a later load sees an edited helpers.py
    assert user.model.linear_01.out_features == 16
    (tmp_path / "helpers.py").write_text("HIDDEN = 7\n")
    assert load_user_model(f"{path}:model").model.linear_01.out_features == 7
    assert user.input_spec is not None and user.input_spec.sample_shape() == (1, 28, 28)
    with pytest.raises(LearnerCodeError, match=r"the file called sys\.exit\(3\)"):
        load_user_model(f"{_learner(tmp_path, 'import sys; sys.exit(3)', 'quits.py')}:x")
    assert sys.path == before


EMBEDDING = """\
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab=100):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.GRU(8, 16, batch_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, tokens, lengths=None):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out[:, -1])


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.image = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        self.extra = nn.Linear(10, 10)

    def forward(self, image, extra):
        return self.image(image) + self.extra(extra)


class TakesADict(nn.Module):
    example_input = ({"image": torch.zeros(2, 784), "bias": torch.ones(2, 10)},)

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, batch):
        return self.fc(batch["image"]) + batch["bias"]
"""


def test_integer_inputs_for_an_embedding(tmp_path: Path, capsys):
    path = _learner(tmp_path, EMBEDDING, "tagger.py")
    assert main(["dissect", f"{path}:Tagger", "--input", "12:int", "--batch", "4", "--json"]) == 0
    ours = json.loads(capsys.readouterr().out)
    assert ours["input_shape"] == [4, 12]
    assert ours["inputs"] == [{"name": "0", "shape": [4, 12], "dtype": "int64"}]
    embed = ours["layers"][0]
    assert (embed["type"], embed["output_shape"]) == ("Embedding", [4, 12, 8])
    assert ours["layers"][1]["output_shape"] == [[4, 12, 16], [1, 4, 16]]  # GRU: out, h
    # Without HIGH the ids fit the vocabulary (100); ids up to 999 do not.
    assert main(["dissect", f"{path}:Tagger", "--input", "12:int:1000"]) == 1
    assert "in layer embed (Embedding)" in capsys.readouterr().err


def test_several_and_keyword_and_dict_inputs(tmp_path: Path, capsys):
    path = _learner(tmp_path, EMBEDDING, "inputs.py")
    assert main(["dissect", f"{path}:TwoInputs", "--input", "1,28,28;10", "--json"]) == 0
    positional = json.loads(capsys.readouterr().out)
    assert positional["input_shape"] == [[1, 1, 28, 28], [1, 10]]
    keyword_input = '{"extra": [10], "image": [1, 28, 28]}'
    assert main(["dissect", f"{path}:TwoInputs", "--input", keyword_input, "--json"]) == 0
    keyword = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in keyword["inputs"]] == ["extra", "image"]
    assert keyword["total_params"] == positional["total_params"] == 7850 + 110
    # A dict argument: from the class's own example_input, then from --input.
    assert main(["dissect", f"{path}:TakesADict", "--json"]) == 0
    own = json.loads(capsys.readouterr().out)
    assert own["batch_size"] == 2 and own["layers"][0]["output_shape"] == [2, 10]
    as_dict = '[{"image": [784], "bias": [10]}]'
    assert (
        main(["dissect", f"{path}:TakesADict", "--input", as_dict, "--batch", "3", "--json"]) == 0
    )
    given = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in given["inputs"]] == ["0.image", "0.bias"]
    assert given["layers"][0]["input_shape"] == [3, 784]


def test_learner_model_on_another_dtype_gets_matching_inputs(tmp_path: Path, capsys):
    text = (
        "import torch\nfrom torch import nn\n\ndef double():\n    return nn.Linear(4, 2).double()\n"
    )
    path = _learner(tmp_path, text, "doubles.py")
    assert main(["dissect", f"{path}:double", "--input", "4", "--json"]) == 0
    ours = json.loads(capsys.readouterr().out)
    # A float32 batch would have failed: "mat1 and mat2 must have the same dtype".
    assert "inputs" not in ours and ours["total_flops"] == 2 * 4 * 2
    assert torch.get_default_dtype() == torch.float32
