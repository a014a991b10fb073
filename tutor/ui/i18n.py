"""Interface strings in English and Korean.

Lesson text comes from the lessons themselves; these are the app's own words: key
descriptions, headings, status lines. ``t("key", lang, **values)`` formats one.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # keys (footer and help)
    "key.quit": ("Quit", "종료"),
    "key.help": ("Help", "도움말"),
    "key.commands": ("Commands", "명령"),
    "key.next": ("Next", "다음"),
    "key.prev": ("Previous", "이전"),
    "key.first": ("First step", "첫 단계"),
    "key.last": ("Last step", "마지막 단계"),
    "key.back": ("Lessons", "레슨 목록"),
    "key.code": ("Code", "코드"),
    "key.open": ("Open", "열기"),
    "key.language": ("한국어", "English"),
    "key.sample_prev": ("Prev sample", "이전 샘플"),
    "key.sample_next": ("Next sample", "다음 샘플"),
    "key.batch_up": ("Batch ×2", "배치 ×2"),
    "key.batch_down": ("Batch ÷2", "배치 ÷2"),
    "key.wider": ("Wider", "넓게"),
    "key.narrower": ("Narrower", "좁게"),
    "key.start": ("Start", "시작"),
    "key.pause": ("Pause/resume", "일시정지/재개"),
    "key.stop": ("Stop", "중지"),
    "key.lr_up": ("LR up", "학습률 ↑"),
    "key.lr_down": ("LR down", "학습률 ↓"),
    "key.logit_up": ("Logit +", "로짓 +"),
    "key.logit_down": ("Logit −", "로짓 −"),
    "key.close": ("Close", "닫기"),
    "key.yes": ("Yes", "예"),
    "key.no": ("No", "아니오"),
    # step kinds, as titles of steps that have none
    "kind.text": ("Reading", "읽기"),
    "kind.samples": ("Samples", "샘플"),
    "kind.dissect": ("Layers", "층 구조"),
    "kind.forward": ("Forward pass", "순전파"),
    "kind.softmax": ("Softmax", "소프트맥스"),
    "kind.train": ("Training", "학습"),
    "kind.plot": ("Plot", "그래프"),
    "kind.quiz": ("Quiz", "퀴즈"),
    "kind.code": ("Code", "코드"),
    # lesson list
    "list.title": ("Lessons", "레슨"),
    "list.col.lesson": ("Lesson", "레슨"),
    "list.col.steps": ("Steps", "단계"),
    "list.col.progress": ("Progress", "진행"),
    "list.loading": ("Reading lessons…", "레슨을 읽는 중…"),
    "list.none": (
        "No lessons found. Put lesson files in {folder} or pass --lessons DIR.",
        "레슨이 없습니다. {folder}에 레슨 파일을 두거나 --lessons DIR 옵션을 쓰세요.",
    ),
    "list.broken": ("⚠ has errors", "⚠ 오류 있음"),
    "list.errors": ("Problems in {path}:", "{path}의 문제:"),
    "list.cannot_open": (
        "This lesson has errors and cannot be opened; they are listed below it.",
        "이 레슨에는 오류가 있어 열 수 없습니다. 아래에 오류가 나와 있습니다.",
    ),
    "list.progress": ("{done}/{total} done", "{done}/{total} 완료"),
    "list.new": ("new", "새 레슨"),
    "list.hint": (
        "↑/↓ choose · Enter open · ctrl+p commands · ? help · q quit",
        "↑/↓ 선택 · Enter 열기 · ctrl+p 명령 · ? 도움말 · q 종료",
    ),
    # player
    "player.step": ("step {i}/{n}", "단계 {i}/{n}"),
    "player.loading_torch": ("Loading PyTorch…", "PyTorch를 불러오는 중…"),
    "player.checking": ("Checking the lesson…", "레슨을 확인하는 중…"),
    "player.data": ("data: {name}", "데이터: {name}"),
    "player.device": ("device: {name}", "장치: {name}"),
    "player.end": (
        "End of the lesson. Press Escape for the lesson list.",
        "레슨이 끝났습니다. Escape를 누르면 레슨 목록으로 갑니다.",
    ),
    "player.working": ("computing…", "계산 중…"),
    "error.view": ("This view failed: {message}", "이 화면을 계산하지 못했습니다: {message}"),
    # engine
    "engine.device_fallback": (
        "{message} Using {device} instead.",
        "{message} 대신 {device}을(를) 씁니다.",
    ),
    "engine.failed": (
        "PyTorch could not start: {message}",
        "PyTorch를 시작하지 못했습니다: {message}",
    ),
    # samples
    "samples.pair": ("train_data[{i}][0]", "train_data[{i}][0]"),
    "samples.shape": ("image tensor of shape {shape}", "모양이 {shape}인 이미지 텐서"),
    "samples.label": (
        'train_data[{i}][1] = {label} → "{name}"',
        'train_data[{i}][1] = {label} → "{name}"',
    ),
    "samples.norm": ("per-channel mean {mean}, std {std}", "채널별 평균 {mean}, 표준편차 {std}"),
    "samples.keys": ("arrows choose a sample", "화살표로 샘플 선택"),
    # dissect
    "dissect.batch": ("batch N = {n}", "배치 N = {n}"),
    "dissect.total": (
        "total {params} parameters · {madds} mult-adds for this batch",
        "파라미터 총 {params}개 · 이 배치의 곱셈-덧셈 {madds}회",
    ),
    "dissect.col.layer": ("layer", "층"),
    "dissect.col.in": ("input", "입력"),
    "dissect.col.out": ("output", "출력"),
    "dissect.col.weight": ("weight", "가중치"),
    "dissect.col.bias": ("bias", "편향"),
    "dissect.col.params": ("params", "파라미터"),
    "dissect.col.madds": ("mult-adds", "곱셈-덧셈"),
    "dissect.no_weights": ("This layer has no weights.", "이 층에는 가중치가 없습니다."),
    "dissect.weight_map": (
        "weight {shape} as a heatmap (blue −, red +)",
        "가중치 {shape} 히트맵 (파랑 −, 빨강 +)",
    ),
    "dissect.filters": ("first filters, channel-averaged", "첫 필터들 (채널 평균)"),
    "dissect.resized": ("{layer} now has {width} outputs", "{layer}의 출력이 이제 {width}개입니다"),
    "dissect.keys": (
        "↑/↓ layer · b/B batch · +/− width",
        "↑/↓ 층 선택 · b/B 배치 · +/− 너비",
    ),
    # forward
    "forward.sample": ("sample {i} of the {split} split", "{split} 데이터의 샘플 {i}"),
    "forward.label": ('label {label} "{name}"', '레이블 {label} "{name}"'),
    "forward.predicted": ('predicted {k} "{name}" ({p:.1%})', '예측 {k} "{name}" ({p:.1%})'),
    "forward.shifted": ("shifted {n} px right", "오른쪽으로 {n}픽셀 이동"),
    "forward.units": (
        "What the units of {layer} look for (their weights on the image)",
        "{layer}의 유닛들이 찾는 것 (이미지 위의 가중치)",
    ),
    "forward.logits": ("logits → probabilities", "로짓 → 확률"),
    "forward.output": ("output (reconstruction)", "출력 (복원)"),
    "forward.keys": (
        "[ / ] sample · , / . shift left/right",
        "[ / ] 샘플 · , / . 왼쪽/오른쪽 이동",
    ),
    "stats": (
        "min {min:.3g} · max {max:.3g} · mean {mean:.3g} · std {std:.3g} · zeros {zeros:.0%}",
        "최소 {min:.3g} · 최대 {max:.3g} · 평균 {mean:.3g} · 표준편차 {std:.3g} · 0의 비율 {zeros:.0%}",
    ),
    # softmax
    "softmax.col.class": ("class", "클래스"),
    "softmax.col.logit": ("logit z", "로짓 z"),
    "softmax.col.exp": ("exp(z)", "exp(z)"),
    "softmax.col.prob": ("p = exp(z) / Σ", "p = exp(z) / Σ"),
    "softmax.sum": ("Σ exp(z) = {total}", "Σ exp(z) = {total}"),
    "softmax.shifted": (
        "(exponentials of z − {shift:.3g}, the largest logit, to avoid overflow)",
        "(넘침을 막으려고 가장 큰 로짓 {shift:.3g}를 뺀 z의 지수)",
    ),
    "softmax.probsum": ("Σ p = {total:.6f}", "Σ p = {total:.6f}"),
    "softmax.argmax": ('argmax: {k} "{name}"', 'argmax: {k} "{name}"'),
    "softmax.loss": (
        'loss for the true class {k} "{name}": −log p = −log {p:.4f} = {loss:.4f}',
        '정답 클래스 {k} "{name}"의 손실: −log p = −log {p:.4f} = {loss:.4f}',
    ),
    "softmax.same": (
        "LogSoftmax + NLLLoss = {nll:.6f}   CrossEntropyLoss = {ce:.6f}",
        "LogSoftmax + NLLLoss = {nll:.6f}   CrossEntropyLoss = {ce:.6f}",
    ),
    "softmax.keys": (
        "↑/↓ logit · +/− change it · [ / ] sample",
        "↑/↓ 로짓 · +/− 값 바꾸기 · [ / ] 샘플",
    ),
    # train
    "train.idle": ("Press s to start training.", "s를 누르면 학습을 시작합니다."),
    "train.settings": (
        "{optimizer} · lr {lr:g} · batch {batch} · {epochs} epochs · loss {loss}",
        "{optimizer} · 학습률 {lr:g} · 배치 {batch} · {epochs} 에폭 · 손실 {loss}",
    ),
    "train.diverged.explain": (
        "The loss {what} at epoch {epoch}, step {step}. The learning rate ({lr:g}) is probably "
        "too large: each step overshoots the minimum and lands further from it than before, so "
        "the loss grows instead of shrinking. Try lr = {smaller:g} (press L).",
        "에폭 {epoch}, 스텝 {step}에서 손실이 {what}. 학습률({lr:g})이 너무 큰 것 같습니다. "
        "매 스텝이 최솟값을 지나쳐 전보다 더 먼 곳에 떨어지기 때문에 손실이 줄지 않고 커집니다. "
        "lr = {smaller:g}로 해 보세요 (L 키).",
    ),
    "train.diverged.nan": ("became NaN (not a number)", "NaN(숫자가 아님)이 되었습니다"),
    "train.diverged.inf": ("became infinite", "무한대가 되었습니다"),
    "train.diverged.big": ("exploded to {loss:.3g}", "{loss:.3g}까지 폭발했습니다"),
    "train.running": ("training", "학습 중"),
    "train.oom": (
        "{message} Training again on {device}.",
        "{message} {device}에서 다시 학습합니다.",
    ),
    "train.paused": ("paused", "일시정지"),
    "train.stopped": ("stopped", "중지됨"),
    "train.finished": ("finished", "완료"),
    "train.diverged": ("diverged", "발산"),
    "train.status": (
        "{state} · epoch {epoch}/{epochs} · loss {loss} · {speed} samples/s · {device}",
        "{state} · 에폭 {epoch}/{epochs} · 손실 {loss} · 초당 {speed}개 · {device}",
    ),
    "train.val": ("validation: loss {loss} · accuracy {acc}", "검증: 손실 {loss} · 정확도 {acc}"),
    "train.pending": ("(applies from the next epoch)", "(다음 에폭부터 적용)"),
    "train.metrics": ("Test metrics", "테스트 지표"),
    "train.accuracy": ("accuracy {acc:.1%}", "정확도 {acc:.1%}"),
    "train.macro": (
        "macro precision {p:.3f} · recall {r:.3f} · F1 {f:.3f}",
        "매크로 정밀도 {p:.3f} · 재현율 {r:.3f} · F1 {f:.3f}",
    ),
    "train.mse": ("mean squared error {mse:.4g}", "평균 제곱 오차 {mse:.4g}"),
    "train.confusion": (
        "confusion matrix (rows: true, columns: predicted)",
        "혼동 행렬 (행: 정답, 열: 예측)",
    ),
    "train.checkpoint": ("checkpoint: {path}", "체크포인트: {path}"),
    "train.after": (
        "The trained model, on one test sample:",
        "학습된 모델에 테스트 샘플 하나를 넣으면:",
    ),
    "train.keys": (
        "s start · space pause · x stop · l/L lr · b/B batch",
        "s 시작 · space 일시정지 · x 중지 · l/L 학습률 · b/B 배치",
    ),
    "train.curve.train": ("train loss", "학습 손실"),
    "train.curve.val": ("validation loss", "검증 손실"),
    "train.epoch": ("epoch", "에폭"),
    # plot
    "plot.fitting": ("Training the fits…", "모델을 맞추는 중…"),
    "plot.data": ("data", "데이터"),
    "plot.fit": ("{label}: final loss {loss:.4g}", "{label}: 최종 손실 {loss:.4g}"),
    # quiz
    "quiz.answer": ("Your answer (a number), then Enter", "답(숫자)을 입력하고 Enter"),
    "quiz.correct": ("✔ Correct.", "✔ 정답입니다."),
    "quiz.wrong": ("✘ Not quite.", "✘ 아쉽네요."),
    "quiz.expected": ("The answer is {value}.", "정답은 {value}입니다."),
    "quiz.not_number": ("Please type a number.", "숫자를 입력하세요."),
    "quiz.previous": ("You answered: {answer}", "이전 답: {answer}"),
    # code
    "code.title": ("The plain PyTorch code of this step", "이 단계의 PyTorch 코드"),
    "code.none": ("This step has no code of its own.", "이 단계에는 보여 줄 코드가 없습니다."),
    # quit
    "quit.training": (
        "Training is running. Stop it and quit?",
        "학습이 진행 중입니다. 멈추고 종료할까요?",
    ),
    # help
    "help.title": ("Keys", "키"),
    "help.global": ("Everywhere", "어디서나"),
    "help.player": ("In a lesson", "레슨 안에서"),
    "help.view": ("In this step", "이 단계에서"),
    # palette
    "palette.open": ("Open lesson: {title}", "레슨 열기: {title}"),
    "palette.step": ("Go to step {i}: {title}", "{i}단계로 가기: {title}"),
    "palette.language": ("Language: {name}", "언어: {name}"),
    "palette.device": ("Compute on {device}", "{device}에서 계산"),
    "device.switched": ("Now computing on {device}.", "이제 {device}에서 계산합니다."),
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The string ``key`` in ``lang`` (English when missing), formatted with ``values``."""
    en, ko = STRINGS.get(key, (key, key))
    text = ko if lang == "ko" and ko else en
    return text.format(**values) if values else text
