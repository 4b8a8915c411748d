"""Cross-cutting parts without domain rules: time, jobs, mail, audit, i18n, errors, layout."""
