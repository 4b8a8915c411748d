"""The document library: documents, language versions, revisions, files and their text."""
