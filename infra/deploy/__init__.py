"""Deploy Shareframe to AWS: wheelhouse, ``chalice package``, CloudFormation, the SPA, the CA.

``python -m infra.deploy --help`` lists the commands; docs/deploy.md explains them.
"""
