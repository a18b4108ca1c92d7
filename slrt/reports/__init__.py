"""Reports: role dashboards, the registry recap (seed Table 1.4), case reports
and exports. Every figure comes from ``slrt.reports.queries`` (the one query
layer), so a page, its CSV and its XLSX never disagree."""

from slrt.reports import models  # noqa: F401  (the aggregate indexes join the metadata)
