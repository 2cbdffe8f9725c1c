"""E-mail through SES, with the product's French templates. May import ``settings``."""
