"""`python -m leadq` runs the same CLI as the `leadq` console script."""

from leadq.cli.app import main

main()
