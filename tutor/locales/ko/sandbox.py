"""Korean (한국어): the model sandbox (a step kind, and a screen from the command palette)."""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "kind.sandbox": "모델 샌드박스",
    "key.edit": "편집",
    "key.stop_editing": "편집 끝",
    "key.reset": "처음으로",
    "palette.sandbox": "모델 샌드박스",
    "palette.sandbox.help": "모델 스펙을 써 보고 층 구조 표가 따라 바뀌는 것을 봅니다",
    "sandbox.keys": "e 스펙 편집 · ctrl+r 처음으로",
    "sandbox.editing": "편집 중: 자유롭게 입력하세요. Escape를 누르면 편집을 마칩니다 (그다음 n/p로 단계 이동).",
    "sandbox.table_keys": "↑/↓ 층 선택",
    "sandbox.builds": "모델이 만들어집니다: 파라미터 {params}개.",
    "sandbox.stale": "아래 표는 마지막으로 만들어진 모델입니다.",
    "sandbox.goals": "목표",
    "sandbox.now": "(지금: {value})",
    "sandbox.now.not_built": "모델이 아직 만들어지지 않음",
    "sandbox.now.no_layer": "이름이 {layer}인 층이 없음",
    "sandbox.solved": "모든 목표를 이뤘습니다. 잘했어요!",
    "sandbox.solved_before": "전에 여기의 목표를 모두 이룬 적이 있습니다.",
    "sandbox.goal.output_shape": "모델의 출력: {shape}",
    "sandbox.goal.params": "파라미터 정확히 {n}개",
    "sandbox.goal.params_at_most": "파라미터 {n}개 이하",
    "sandbox.goal.params_at_least": "파라미터 {n}개 이상",
    "sandbox.goal.fits": "{data}에 맞음: 샘플 하나 {sample} 입력, 로짓 {k}개 출력",
    "sandbox.goal.layer_type": "{layer}의 종류: {type}",
    "sandbox.goal.layer_in": "{layer}의 입력: {shape}",
    "sandbox.goal.layer_out": "{layer}의 출력: {shape}",
    "sandbox.goal.layer_params": "{layer}의 파라미터 정확히 {n}개",
    "sandbox.goal.layer_params_at_most": "{layer}의 파라미터 {n}개 이하",
    "sandbox.free.title": "모델 샌드박스",
    "sandbox.free.text": (
        "레슨에서 쓰는 모양 그대로의 모델 스펙입니다. `input`은 배치를 뺀 샘플 하나의 모양이고, "
        "`layers`는 순서대로 놓인 `torch.nn` 층입니다. `e`를 눌러 편집하면 아래 표가 입력하는 "
        "대로 따라 바뀌고, 문제가 있으면 편집기 옆에 줄과 칸 번호와 함께 나옵니다. 허용된 층만 "
        "쓸 수 있고, 여기에 입력한 것은 코드로 실행되지 않습니다."
    ),
}
