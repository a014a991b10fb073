"""입력 방어 관련 문자열: 읽을 수 없는 파일, 화면에 그릴 수 없는 값, 중단된 학습, 코드 복사, 종료 경로."""

STRINGS: dict[str, str] = {
    "text.unreadable_file": "포함할 파일 {name}을(를) 읽을 수 없습니다: {reason}",
}
