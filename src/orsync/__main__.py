"""``python -m orsync`` and the ``orsync`` script: signals are held before the (slow) imports
of the command line, so a Ctrl-C sent while starting has one outcome (orsync.interrupts)."""

from orsync import interrupts


def run() -> None:
    interrupts.hold()
    from orsync.cli import main

    main()


if __name__ == "__main__":
    run()
