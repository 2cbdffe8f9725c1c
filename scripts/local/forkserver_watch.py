"""Preloaded by the API workers' fork server only (scripts/local/devstack.py): importing
it ties the fork server's life to the stack's, and with it its workers' (each worker ties
its own to the fork server's as it starts)."""
from scripts.local.lifetime import end_with_parent

end_with_parent()
