"""The project's test and bench corpora, in one place; everything here is written for the project.

- `vocabulary`: the field's words by topic, which the generators below draw on;
- `feeds`: small RSS feeds for the ingestion tests; `realistic_feeds`: article-sized RSS and
  Atom feeds for bench/ingest and the parse tests;
- `headlines`: a generated archive of any size (bench/search, bench/chat, bench/alerts_match);
- `archive`: a small hand-written archive in English and Chinese for the search tests;
- `digest`: stored items for the digest tests and bench/digest; `recent`: the last hours'
  stories for the chat tests and bench/chat.
"""
