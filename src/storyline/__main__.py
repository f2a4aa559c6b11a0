"""``python -m storyline``: the same command line as the ``storyline`` script."""

from storyline.cli import main

main()
