"""Helpers for the search engine tests: item dicts and the keys of results."""


def item(number, kind="document", acl="public", **fields):
    """Return an item dict keyed by `kind` and `number`, with `fields` as given."""
    return {"key": f"{kind}:{number}", "kind": kind, "id": number, "acl": acl, **fields}


def keys(results):
    """Return the keys of the hits of `results`, in their order."""
    return [hit.key for hit in results.hits]
