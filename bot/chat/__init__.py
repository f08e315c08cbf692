"""Chat front-ends: the Slack (slack-bolt) and Discord (discord.py) adapters and reply rendering."""
