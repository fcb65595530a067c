"""Exporting a finished run's, comparison's or sweep's tables for spreadsheets and other tools."""

from __future__ import annotations

from pathlib import Path

from innostate.experiments.store import DamagedRun, check_files, write_bytes, write_text

FORMATS = ("csv", "xlsx")
# Excel refuses sheets longer than this; bigger tables are cut and say so
EXCEL_ROWS = 1_048_575


def export_folder(folder: Path, to: str) -> list[Path]:
    """Write every table of a run, comparison or sweep folder as CSV files or one Excel workbook.

    Parameters
    ----------
    folder
        A folder written by ``innostate run``, ``compare`` or ``sweep``; its
        files are checked against their digests first.
    to
        ``csv`` (one file per table in ``folder/csv/``) or ``xlsx``
        (``folder/tables.xlsx``, one sheet per table; needs openpyxl).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        For an unknown format, or xlsx without openpyxl installed.
    DamagedRun
        When the folder is not a finished run or a file is damaged.
    """
    import pandas as pd

    if to not in FORMATS:
        raise ValueError(f"unknown export format '{to}'. Fix: use one of {', '.join(FORMATS)}.")
    indexes = ("comparison.json", "sweep.json")
    index = next((name for name in indexes if (folder / name).exists()), "manifest.json")
    check_files(folder, index)
    paths = sorted(folder.glob("*.parquet"))
    if not paths:
        raise DamagedRun(f"{folder} holds no tables. Fix: give the folder innostate wrote.")
    tables = {}
    for path in paths:
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise DamagedRun(
                f"{path} is damaged ({type(exc).__name__}). Fix: run again into {folder}."
            ) from None
        # spreadsheets have no calendar periods: write them as their labels (2019Q1)
        periods = [c for c in frame.columns if isinstance(frame[c].dtype, pd.PeriodDtype)]
        tables[path.stem] = frame.astype({c: str for c in periods})
    if to == "csv":
        target = folder / "csv"
        target.mkdir(exist_ok=True)
        return [
            write_text(target / f"{name}.csv", frame.to_csv(index=False))
            for name, frame in tables.items()
        ]
    try:
        import openpyxl  # noqa: F401  (pandas writes xlsx through it)
    except ImportError:
        raise ValueError(
            "Excel export needs openpyxl. Fix: pip install 'innostate[excel]' "
            "(or pip install openpyxl), or export --to csv."
        ) from None
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for name, frame in tables.items():
            frame.head(EXCEL_ROWS).to_excel(book, sheet_name=name[:31], index=False)
    return [write_bytes(folder / "tables.xlsx", buffer.getvalue())]
