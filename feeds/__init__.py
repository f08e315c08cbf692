"""From a source to stored items: fetch, guard, parse, normalise, tag, poll."""
