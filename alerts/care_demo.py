"""Demo loader after households.care_demo: the care-agreement scan opens the demo's alerts (照料协议缺失或到期) at
once instead of at six tomorrow morning. Idempotent, as the scan is."""
from .care_jobs import care_agreement_scan


def load(stdout=None) -> None:
    result = care_agreement_scan()
    if stdout is not None and result["opened"]:
        stdout.write(f"演示照料协议预警：{result['opened']} 条")
