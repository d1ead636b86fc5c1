"""`aws` without the warm server (it is not running): the real CLI, started cold (~0.5 s)."""

import os
import sys

from patools import awsboot


def main():
    awsboot.patch()
    os.environ.update(awsboot.cli_environment(dict(os.environ)))
    from awscli.clidriver import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
