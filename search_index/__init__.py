"""The full-text search engine (Whoosh), kept apart from the portal: it imports nothing from
`portal/`. The portal hands it documents with an `acl` label and asks it queries filtered by the
reader's principals. Its schema, analysers and writer arrive with the document library.
"""
