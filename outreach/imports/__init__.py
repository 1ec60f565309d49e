"""The one import framework every CSV/Excel import uses (areas, promoters, respondent counts, targets, baselines).

- `reading`: an upload's size checked before it is read, then CSV (BOM, comma or semicolon) or an .xlsx
  sheet (`workbooks`) parsed into rows keyed by column, Indonesian template headers accepted.
- `problems`: the one error type, `ImportRefused`, carrying `ImportProblem`s (sheet, line or row, column).
- `preview`, `flow`, `forms`, `models`, `services`: the two-step upload (check and preview, then confirm),
  the upload form, and the pending upload kept in the database between the two.
- `template_files`, `views`: the starter CSV and XLSX of each import; `writing`: formula-safe CSV out.
"""
