"""CloudFormation for the deployment, generated from the code's own metadata.

May import ``chalicelib`` (models, settings, error bodies), never ``scripts``: the site's
security headers live here (site_headers.py) and the local stack imports them. The
template repeats nothing they already say.
"""
