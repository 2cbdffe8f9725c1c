"""The local stack: moto's server, the API and the site behind `make run` and the
browser tests, and a fake PayFip."""
