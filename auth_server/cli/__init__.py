"""`auth-server`: the command line (serve, migrate, clients, users, keys).

May import anything of the auth server; nothing imports it but `__main__` and the entry point.
"""

__all__ = ["clients", "keys", "main", "users"]
