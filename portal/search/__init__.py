"""Search across the portal: the page, the items each domain gives the index, and keeping the
index in step with the database. The engine itself is the top-level `search_index` package."""
