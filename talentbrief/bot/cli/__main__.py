import sys

from talentbrief.bot.cli import main

sys.exit(main())
