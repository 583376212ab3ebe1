from auth_server.cli import main

raise SystemExit(main())
