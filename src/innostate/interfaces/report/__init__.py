"""Self-contained HTML reports (plotly.js embedded once, no network)."""

from innostate.interfaces.report.calibration_report import write_calibration_report
from innostate.interfaces.report.compare_report import write_compare_report
from innostate.interfaces.report.discovery_report import write_discovery_report
from innostate.interfaces.report.run_report import write_run_report
from innostate.interfaces.report.sensitivity_report import write_sensitivity_report

__all__ = [
    "write_calibration_report",
    "write_compare_report",
    "write_discovery_report",
    "write_run_report",
    "write_sensitivity_report",
]
