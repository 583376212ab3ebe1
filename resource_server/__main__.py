from resource_server.cli import main

raise SystemExit(main())
