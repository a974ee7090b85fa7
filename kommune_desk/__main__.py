import sys

from kommune_desk.app import main

sys.exit(main())
