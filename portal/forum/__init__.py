"""Working groups, their topics (agenda items), threads and posts."""
