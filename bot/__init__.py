"""The composition root: config, the application core, the CLI, the scheduler and chat.

talentbrief's four import packages depend one way: `storage` (the bottom layer) ← `feeds` and
`digests` ← `bot`.
"""

__version__ = "0.1.0"

# Loggers of the project's own packages; the CLI sets their level (`-v`) without raising that
# of third-party libraries.
PROJECT_LOGGERS = ("bot", "feeds", "digests", "storage")
