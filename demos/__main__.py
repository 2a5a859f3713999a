"""Run every demo in turn (the README's main command)."""

from demos import apple

apple.main()
