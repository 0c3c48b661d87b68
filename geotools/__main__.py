"""`python -m geotools` — the same command line as `geotools`."""

from geotools.cli.main import main

if __name__ == "__main__":
    main()
