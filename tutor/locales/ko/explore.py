"""Korean (한국어): the lesson ``tutor explore FILE.py:NAME`` makes for the learner's own model."""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "explore.title": "{name} 살펴보기",
    "explore.summary": "직접 만든 모델 {name}: 층 구조, 실제 샘플의 순전파, 학습, 그리고 코드.",
    "explore.intro": (
        "이 레슨은 `{file}` 파일의 **{name}** 모델을 위해 만들어졌습니다. 모델은 `{call}` "
        "호출로 만듭니다. 샘플 N개짜리 배치가 {input} 모양으로 들어가서 {output} 모양으로 "
        "나오고, 파라미터는 {params}개입니다. 다음 화면의 모든 숫자는 PyTorch가 여러분의 코드로 "
        "직접 계산한 값입니다."
    ),
    "explore.data.auto": (
        "데이터: **{data}** (샘플 하나의 모양 {sample}). 입력 모양을 보고 골랐습니다. 다른 "
        "데이터를 쓰려면 `tutor explore FILE.py:NAME --dataset NAME`."
    ),
    "explore.data.given": "데이터: `--dataset` 옵션으로 고른 **{data}**.",
    "explore.no_data": (
        "샘플 하나의 모양이 {input}인 데이터셋이 없습니다 ({known}). 그래서 이 레슨은 모델의 층 "
        "구조와 코드만 보여 줍니다."
    ),
    "explore.mismatch": "{data} 데이터에서는: {reason}. 그래서 이것이 필요한 단계는 뺐습니다.",
    "explore.no_pictures": (
        "{data}의 샘플은 그림이 아니라 점이라서 샘플 화면과 순전파 화면이 없습니다."
    ),
    "explore.steps": "단계: {steps}.",
    "explore.dissect.title": "{name}의 층 구조",
    "explore.dissect.text": (
        "PyTorch가 샘플 N개짜리 배치로 실행한 그대로의 층들입니다. 입력과 출력 모양, 가중치와 "
        "편향 모양, 파라미터 수와 그 계산식이 나옵니다. ↑/↓로 층을 고르고, `b`/`B`로 N을 두 "
        "배나 절반으로 바꾸면 활성화 모양만 따라 바뀝니다."
    ),
    "explore.samples.title": "데이터: {data}",
    "explore.samples.text": (
        "샘플 하나하나는 (이미지, 레이블) 쌍입니다. 모델은 이미지 한 장을 {input} 모양으로 "
        "받고, 여러 장을 배치로 한꺼번에 받습니다."
    ),
    "explore.forward.title": "{name}에 샘플 하나 통과시키기",
    "explore.forward.text": (
        "실제 샘플 하나가 모델의 층을 하나씩 지나 출력까지 가는 모습입니다. `[`/`]`로 다른 "
        "샘플을 고르세요. 학습하기 전에는 코드가 처음 만든 가중치 그대로입니다."
    ),
    "explore.softmax.title": "{name}의 로짓을 확률로",
    "explore.softmax.text": (
        "모델은 샘플마다 숫자 {k}개, 곧 클래스마다 로짓 하나를 냅니다. 소프트맥스가 이것을 "
        "확률로 바꾸고, 교차 엔트로피가 정답 클래스의 점수를 매깁니다. `[`/`]`로 다른 샘플을 "
        "고르세요."
    ),
    "explore.train.title": "{name} 학습시키기",
    "explore.train.text": (
        "`s`를 누르면 `{call}` 호출로 새 모델을 만들고(새 무작위 가중치) 이 데이터로 "
        "학습시킵니다. `l`/`L`로 학습률을, `b`/`B`로 배치 크기를 바꿀 수 있습니다. 학습이 "
        "끝나면 앞 단계들도 학습된 모델을 보여 줍니다."
    ),
    "explore.code.title": "코드",
    "explore.code.text": (
        "이 레슨을 그대로 옮긴 PyTorch 코드입니다. 노트북에서 `{file}` 파일의 {name}을(를) "
        "가져와 모델을 만들고, 이 설정으로 학습 루프를 돌립니다."
    ),
    "explore.code.text_model": (
        "이 레슨을 그대로 옮긴 PyTorch 코드입니다. 노트북에서 `{file}` 파일의 {name}을(를) "
        "가져와 모델을 만듭니다."
    ),
}
