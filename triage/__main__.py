"""`python -m triage` runs the command line."""

from triage.cli import main

if __name__ == "__main__":  # not when a worker process (`--jobs`, spawned) imports it
    raise SystemExit(main())
