"""Building, checking and shipping: the Lambda package, deployment, the dependency
audit, the screenshots for review."""
