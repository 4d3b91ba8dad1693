"""Content authoring for administrators: module, theme and prerequisite editors,
browser import and export of the catalogue, the audit log and the content overview."""
