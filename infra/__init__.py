"""CloudFormation for the deployment, generated from the code's own metadata.

May import ``chalicelib`` (models, settings, error bodies) and ``scripts.devstack``
(the security headers): the template repeats nothing they already say.
"""
