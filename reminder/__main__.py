from reminder.cli import main

raise SystemExit(main())
