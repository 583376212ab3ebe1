"""The resource server's HTTP endpoints, one module each."""
