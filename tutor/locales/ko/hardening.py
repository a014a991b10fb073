"""입력 방어 관련 문자열: 읽을 수 없는 파일, 화면에 그릴 수 없는 값, 중단된 학습, 코드 복사, 종료 경로."""

STRINGS: dict[str, str] = {
    "text.unreadable_file": "포함할 파일 {name}을(를) 읽을 수 없습니다: {reason}",
    "train.diverged.at_start": "가중치가 한 번도 바뀌기 전인 첫 스텝(에폭 {epoch}, 스텝 {step})에서 이미 손실이 {what}. 그러니 학습률 탓이 아닙니다. 이 입력에서 모델의 출력이 이미 유한한 수가 아닙니다. 입력 배율({scale:g})과 데이터를 확인하세요.",
    "samples.start_beyond": "이 단계는 {start:,}번 샘플부터 보여 주려 하지만 {data}의 {split} 분할에는 샘플이 {count:,}개(0부터 {last:,}까지)뿐입니다",
    "error.unexpected": "이 단계에서 계산한 값을 보여 줄 수 없습니다({detail}). 다른 단계는 그대로 쓸 수 있습니다. 레슨 파일과 함께 알려 주세요",
    "settings.not_saved": "설정을 {path}에 저장하지 못했습니다: {reason}",
    "key.copy": "복사",
    "code.copied": "코드 {lines}줄을 클립보드에 복사했습니다",
    "code.nothing": "아직 복사할 코드가 없습니다",
}
