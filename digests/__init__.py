"""From stored items to digest payloads: select, cluster, rank, render. No network I/O."""
